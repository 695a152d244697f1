// netplan family (Ubuntu >= 18.04 with /etc/netplan): every secondary ENI in one file,
// /etc/netplan/60-eni-agent.yaml (mode 0600: netplan warns about group/world-readable files).
// Emitted with the `yaml` package, never with string templates, so quoting is always right:
// every string value is double-quoted (a MAC such as 00:16:36:12:34:56 must never be read as a
// YAML 1.1 base-60 number by netplan's libyaml).
//
// How it is applied without bouncing the primary: `netplan apply` regenerates and restarts
// every interface's configuration (and on older releases restarts systemd-networkd), so the
// agent never runs it. Instead, after the file changed, `netplan generate` rewrites the
// networkd units in /run and `networkctl reload` makes networkd read them; then
// `networkctl reconfigure ethN` (systemd >= 244, Ubuntu >= 20.04) re-applies one secondary
// NIC. eth0's generated unit is unchanged, so networkd leaves it alone. On 18.04 (systemd 237,
// no reload/reconfigure verbs) those commands fail and the agent's own `ip`-level apply is what
// configures the NIC; the file then only matters at the next boot.
//
// The primary NIC's secondary IPs are not written here: netplan merges definitions with the
// same id, so an `eth0:` entry would change the primary's generated networkd unit (and
// `networkctl reconfigure eth0` would bounce it). They are applied live by the agent only.

import { stringify } from 'yaml';
import { MANAGED_HEADER } from '../model/ownership.js';
import type { DesiredNic, DesiredState, RenderedFile } from '../model/types.js';
import { type CheckedSecondary, checkNic, checkState } from './check.js';
import type { FamilyRenderer, RenderContext } from './family.js';
import { isRootSlash } from '../model/paths.js';

export const NETPLAN_DIR = '/etc/netplan';
export const NETPLAN_FILE = `${NETPLAN_DIR}/60-eni-agent.yaml`;

export const NETPLAN_PRIMARY_ALIAS_NOTE =
  "netplan merges definitions by id, so the primary's secondary IPs would change eth0's own " +
  'configuration; they are applied live by the agent only (restored by the daemon at boot)';

function ethernet(nic: CheckedSecondary, addressing: DesiredState['addressing']): Record<string, unknown> {
  const aliases = nic.aliases.map((a) => `${a.ip}/${a.prefixLength}`);
  const routes: Array<Record<string, unknown>> = [
    // `from` on a netplan route is the preferred source (networkd PreferredSource=).
    { to: nic.subnet, scope: 'link', from: nic.primaryIp, table: nic.table },
    // 0.0.0.0/0 rather than `default`: netplan before 0.103 (Ubuntu 18.04/20.04) lacks `default`.
    { to: '0.0.0.0/0', via: nic.gateway, table: nic.table },
  ];
  const entry: Record<string, unknown> = {
    match: { macaddress: nic.mac },
    'set-name': nic.ifname,
  };
  if (addressing === 'dhcp') {
    entry.dhcp4 = true;
    // The DHCP default route gets the NIC's metric (100N), so eth0's default keeps winning.
    entry['dhcp4-overrides'] = { 'route-metric': nic.metric, 'use-dns': false };
    if (aliases.length > 0) entry.addresses = aliases;
  } else {
    entry.dhcp4 = false;
    entry.addresses = [`${nic.primaryIp}/${nic.prefixLength}`, ...aliases];
    routes.push({ to: '0.0.0.0/0', via: nic.gateway, metric: nic.metric });
  }
  entry.dhcp6 = false;
  entry.routes = routes;
  entry['routing-policy'] = [nic.primaryIp, ...nic.aliases.map((a) => a.ip)].map((ip) => ({
    from: `${ip}/32`,
    table: nic.table,
    priority: nic.rulePriority,
  }));
  return entry;
}

export function renderNetplan(state: DesiredState): RenderedFile[] {
  const { addressing, nics } = checkState(state);
  const secondaries = nics.filter((n): n is CheckedSecondary => n.role === 'secondary');
  if (secondaries.length === 0) return [];
  const ethernets: Record<string, unknown> = {};
  for (const nic of secondaries) ethernets[nic.ifname] = ethernet(nic, addressing);
  const body = stringify(
    { network: { version: 2, ethernets } },
    { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 },
  );
  const header = [
    MANAGED_HEADER,
    '# Secondary ENIs of this instance, written by eni-agent; edits are overwritten.',
    '# Per NIC: DHCP with metric 100N, policy table 100N and one rule per private IP.',
  ].join('\n');
  // One file for all NICs: it belongs to no single NIC, so `ifname` is left unset.
  return [{ path: NETPLAN_FILE, content: `${header}\n${body}`, mode: 0o600 }];
}

export const netplanRenderer: FamilyRenderer = {
  family: 'netplan',
  render(state: DesiredState): RenderedFile[] {
    return renderNetplan(state);
  },
  afterWriteCommands(ctx: RenderContext): string[][] {
    // Under another root, generate into that tree only; networkctl would act on the live host.
    if (!isRootSlash(ctx.root)) return [['netplan', 'generate', '--root-dir', ctx.root]];
    return [['netplan', 'generate'], ['networkctl', 'reload']];
  },
  upCommand(desired: DesiredNic, ctx: RenderContext): string[] | null {
    const nic = checkNic(desired);
    if (nic.role !== 'secondary' || !isRootSlash(ctx.root)) return null;
    return ['networkctl', 'reconfigure', nic.ifname];
  },
  downCommand(desired: DesiredNic, ctx: RenderContext): string[] | null {
    const nic = checkNic(desired);
    if (nic.role !== 'secondary' || !isRootSlash(ctx.root)) return null;
    return ['networkctl', 'down', nic.ifname];
  },
};
