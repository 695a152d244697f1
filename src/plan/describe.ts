// One human line per action, shaped like the command an operator would have typed.

import type { Action } from '../model/actions.js';
import type { KernelRoute, KernelRule } from '../model/types.js';
import { describeTuningAction } from '../tuning/apply.js';

function route(r: KernelRoute): string {
  const parts = [r.dst];
  if (r.gateway) parts.push(`via ${r.gateway}`);
  if (r.dev) parts.push(`dev ${r.dev}`);
  if (r.table !== 254) parts.push(`table ${r.table}`);
  if (r.metric) parts.push(`metric ${r.metric}`);
  if (r.prefsrc) parts.push(`src ${r.prefsrc}`);
  return parts.join(' ');
}

function rule(r: KernelRule): string {
  return `from ${r.src ?? 'all'} lookup ${r.table} priority ${r.priority}`;
}

export function describeAction(action: Action): string {
  switch (action.kind) {
    case 'write-file':
      return `${action.reason === 'create' ? 'create' : action.reason === 'update' ? 'update' : 'replace (unmanaged, backed up)'} ${action.path}`;
    case 'remove-file':
      return `remove ${action.path}`;
    case 'ifup':
      return action.command.join(' ');
    case 'ifdown':
      return action.command.join(' ');
    case 'link-up':
      return `ip link set dev ${action.ifname} up`;
    case 'add-address':
      return `ip addr add ${action.address}/${action.prefixLength} dev ${action.ifname}${action.label ? ` label ${action.label}` : ''}`;
    case 'del-address':
      return `ip addr del ${action.address}/${action.prefixLength} dev ${action.ifname}`;
    case 'add-route':
      return `ip route add ${route(action.route)}`;
    case 'del-route':
      return `ip route del ${route(action.route)}`;
    case 'add-rule':
      return `ip rule add ${rule(action.rule)}`;
    case 'del-rule':
      return `ip rule del ${rule(action.rule)}`;
    case 'set-channels':
    case 'write-rps':
    case 'write-sysfs':
    case 'start-irqbalance':
      return describeTuningAction(action);
  }
}

/** A small aligned table: NIC, step. Plain text so it reads well in a terminal and a journal. */
export function formatPlan(actions: Action[]): string {
  if (actions.length === 0) return 'Nothing to do: converged.\n';
  const rows = actions.map((a) => [('ifname' in a && a.ifname) || '-', describeAction(a)] as const);
  const width = Math.max(3, ...rows.map(([nic]) => nic.length));
  const lines = [`${'NIC'.padEnd(width)}  STEP`, ...rows.map(([nic, step]) => `${nic.padEnd(width)}  ${step}`)];
  return `${lines.join('\n')}\n`;
}
