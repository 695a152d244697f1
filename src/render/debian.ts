// Debian family (Debian, Ubuntu with ifupdown): one file per NIC in /etc/network/interfaces.d/.
// See templates/debian/interfaces.mustache for the file and why it differs from the guide.

import { MANAGED_HEADER, ROUTE_PROTOCOL } from '../model/ownership.js';
import type { DesiredNic, DesiredState, RenderedFile } from '../model/types.js';
import { type CheckedNic, checkNic, checkState, needsFiles } from './check.js';
import type { FamilyRenderer, RenderContext } from './family.js';
import { isRootSlash, underRoot } from '../model/paths.js';
import { renderTemplate } from './templates.js';

export const DEBIAN_DIR = '/etc/network/interfaces.d';

export function debianFilePath(ifname: string): string {
  return `${DEBIAN_DIR}/${ifname}`;
}

function view(nic: CheckedNic, addressing: DesiredState['addressing']): object {
  const secondary =
    nic.role === 'secondary'
      ? {
          primaryIp: nic.primaryIp,
          netmask: nic.netmask,
          gateway: nic.gateway,
          subnet: nic.subnet,
          table: nic.table,
          metric: nic.metric,
          rulePriority: nic.rulePriority,
        }
      : false;
  return {
    header: MANAGED_HEADER,
    proto: ROUTE_PROTOCOL,
    ifname: nic.ifname,
    mac: nic.mac,
    eniId: nic.eniId ?? false,
    dhcp: addressing === 'dhcp',
    static: addressing === 'static',
    secondary,
    aliases: nic.aliases.map((alias) => ({
      label: alias.label,
      ip: alias.ip,
      netmask: alias.netmask,
      // Aliases of the primary NIC are addresses only: never a rule or a route.
      policy: nic.role === 'secondary' ? { table: nic.table, rulePriority: nic.rulePriority } : false,
    })),
  };
}

/** Render one NIC's file (undefined for a primary NIC without secondary IPs). */
export function renderDebianNic(nic: CheckedNic, addressing: DesiredState['addressing']): RenderedFile | undefined {
  if (!needsFiles(nic)) return undefined;
  return {
    path: debianFilePath(nic.ifname),
    content: renderTemplate('debian', 'interfaces', view(nic, addressing)),
    mode: 0o644,
    ifname: nic.ifname,
  };
}

/** The interface names ifup/ifdown act on: the NIC itself (secondary) and its aliases. */
function ifupTargets(nic: CheckedNic): string[] {
  const aliases = nic.aliases.map((a) => a.label);
  // The primary's file has no `iface eth0` stanza (its own config is never touched), so only
  // its aliases are named; ifup brings up aliases without touching eth0's address or routes.
  return nic.role === 'secondary' ? [nic.ifname, ...aliases] : aliases;
}

function ifupdownCommand(verb: 'ifup' | 'ifdown', desired: DesiredNic, ctx: RenderContext): string[] | null {
  const nic = checkNic(desired);
  // ifup names the NIC only: the agent adds the aliases itself in its one `ip -batch`, because
  // ifup runs every if-up.d hook once per alias stanza (16,000 programs for 15 NICs × 50 IPs in
  // the benchmark). The alias stanzas stay in the file for boot (`ifup -a`). ifdown still names
  // the aliases, so state left by a boot-time `ifup -a` is cleared too.
  const targets = verb === 'ifup' ? (nic.role === 'secondary' ? [nic.ifname] : []) : ifupTargets(nic);
  if (targets.length === 0) return null;
  const stateDir = isRootSlash(ctx.root) ? [] : ['--state-dir', underRoot(ctx.root, '/run/network')];
  // ifdown takes aliases down before the NIC, the reverse of ifup's order.
  const ordered = verb === 'ifup' ? targets : [...targets].reverse();
  return [verb, '-i', underRoot(ctx.root, debianFilePath(nic.ifname)), ...stateDir, ...ordered];
}

export const debianRenderer: FamilyRenderer = {
  family: 'debian',
  render(state: DesiredState): RenderedFile[] {
    const { addressing, nics } = checkState(state);
    return nics.flatMap((nic) => renderDebianNic(nic, addressing) ?? []);
  },
  afterWriteCommands(): string[][] {
    return [];
  },
  upCommand(nic, ctx) {
    return ifupdownCommand('ifup', nic, ctx);
  },
  downCommand(nic, ctx) {
    return ifupdownCommand('ifdown', nic, ctx);
  },
};
