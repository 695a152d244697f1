// The template view of a checked secondary NIC: the values every family's templates use, so
// each renderer adds only what is its own.

import { MANAGED_HEADER } from '../model/ownership.js';
import type { Addressing } from '../model/types.js';
import type { CheckedNic, CheckedSecondary } from './check.js';

/** Header and identity lines every managed file starts with. */
export function identityView(nic: CheckedNic): Record<string, unknown> {
  return { header: MANAGED_HEADER, ifname: nic.ifname, mac: nic.mac, eniId: nic.eniId ?? false };
}

export function secondaryView(nic: CheckedSecondary, addressing: Addressing): Record<string, unknown> {
  return {
    ...identityView(nic),
    dhcp: addressing === 'dhcp',
    static: addressing === 'static',
    primaryIp: nic.primaryIp,
    prefixLength: nic.prefixLength,
    gateway: nic.gateway,
    subnet: nic.subnet,
    table: nic.table,
    metric: nic.metric,
    rulePriority: nic.rulePriority,
    aliases: nic.aliases,
    ips: [nic.primaryIp, ...nic.aliases.map((a) => a.ip)],
  };
}
