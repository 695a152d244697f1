// Turn kernel actions into `ip -batch` lines and run them in one process. `-force` keeps going
// past a failed line so one NIC's error does not stop the others; failures are mapped back
// to the action that caused them.

import type { CommandRunner } from '../exec/runner.js';
import type { Action } from '../model/actions.js';
import type { KernelRoute, KernelRule } from '../model/types.js';

export type IpAction = Extract<Action, { kind: 'link-up' | 'add-address' | 'del-address' | 'add-route' | 'del-route' | 'add-rule' | 'del-rule' }>;

function routeArgs(route: KernelRoute): string {
  const parts = [route.dst];
  if (route.gateway) parts.push('via', route.gateway);
  if (route.dev) parts.push('dev', route.dev);
  parts.push('table', String(route.table));
  if (route.metric) parts.push('metric', String(route.metric));
  parts.push('proto', route.protocol);
  if (route.scope) parts.push('scope', route.scope);
  if (route.prefsrc) parts.push('src', route.prefsrc);
  return parts.join(' ');
}

function ruleArgs(rule: KernelRule): string {
  return ['from', rule.src ?? 'all', 'lookup', String(rule.table), 'priority', String(rule.priority)].join(' ');
}

/**
 * The `ip -batch` line for one action. ip infers the family from the addresses in each line
 * (a per-line `-4` is not accepted in batch mode).
 */
export function batchLine(action: IpAction): string {
  switch (action.kind) {
    case 'link-up':
      return `link set dev ${action.ifname} up`;
    case 'add-address':
      return `addr add ${action.address}/${action.prefixLength} dev ${action.ifname}${action.label ? ` label ${action.label}` : ''}`;
    case 'del-address':
      return `addr del ${action.address}/${action.prefixLength} dev ${action.ifname}`;
    case 'add-route':
      return `route add ${routeArgs(action.route)}`;
    case 'del-route':
      return `route del ${routeArgs(action.route)}`;
    case 'add-rule':
      return `rule add ${ruleArgs(action.rule)}`;
    case 'del-rule':
      return `rule del ${ruleArgs(action.rule)}`;
  }
}

export interface BatchOutcome {
  action: IpAction;
  error?: string;
}

export async function runIpBatch(runner: CommandRunner, actions: IpAction[]): Promise<BatchOutcome[]> {
  if (actions.length === 0) return [];
  const lines = actions.map(batchLine);
  const result = await runner.run(['ip', '-force', '-batch', '-'], { input: lines.join('\n') + '\n', allowFailure: true, timeoutMs: 30_000 });
  const failures = parseBatchFailures(result.stderr);
  if (result.exitCode !== 0 && failures.size === 0) {
    // ip failed without saying which line: treat every action as failed rather than guess.
    const why = result.stderr.trim() || `ip -batch exited ${result.exitCode}`;
    return actions.map((action) => ({ action, error: why }));
  }
  return actions.map((action, index) => ({ action, error: failures.get(index + 1) }));
}

/**
 * ip prints the error for a line, then `Command failed -:N`. Collect the message lines that
 * precede each marker and key them by line number.
 */
export function parseBatchFailures(stderr: string): Map<number, string> {
  const failures = new Map<number, string>();
  let pending: string[] = [];
  for (const line of stderr.split('\n')) {
    const marker = /^Command failed -:(\d+)/.exec(line.trim());
    if (marker) {
      failures.set(Number(marker[1]), pending.join(' ').trim() || 'failed');
      pending = [];
    } else if (line.trim() !== '') {
      pending.push(line.trim());
    }
  }
  return failures;
}
