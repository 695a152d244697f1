// Re-validation of the desired state at the renderer's door. The desired-state builder already
// validated every value, but a renderer writes files that shells and network daemons parse, so it
// trusts nothing: each value is passed through the same validators again and only the returned,
// normalised values reach a template. A bad value throws ValidationError naming the NIC.

import { MAX_NIC_INDEX } from '../model/ownership.js';
import type { Addressing, DesiredNic, DesiredState } from '../model/types.js';
import {
  ValidationError,
  ipv4InCidr,
  ipv4Network,
  parseCidr,
  parseEniId,
  parseIPv4,
  parseIfname,
  parseMac,
  prefixToNetmask,
  quoteForLog,
} from '../model/validate.js';

/** A secondary IP with the alias it is rendered as (`eth1:0`, K from 0 in metadata order). */
export interface CheckedAlias {
  /** K in `ethN:K`. */
  k: number;
  label: string;
  ip: string;
  /** Prefix length the alias is added with (the NIC's subnet prefix, /32 when unknown). */
  prefixLength: number;
  netmask: string;
}

interface CheckedBase {
  ifname: string;
  mac: string;
  index: number;
  eniId?: string;
  aliases: CheckedAlias[];
}

export interface CheckedPrimary extends CheckedBase {
  role: 'primary';
}

export interface CheckedSecondary extends CheckedBase {
  role: 'secondary';
  primaryIp: string;
  prefixLength: number;
  netmask: string;
  gateway: string;
  /** Network CIDR of the ENI's vSwitch, e.g. `10.0.0.0/24`. */
  subnet: string;
  table: number;
  metric: number;
  rulePriority: number;
}

export type CheckedNic = CheckedPrimary | CheckedSecondary;

function fail(nic: { ifname?: unknown }, message: string): never {
  throw new ValidationError(`NIC ${quoteForLog(nic.ifname)}: ${message}`);
}

function checkInt(nic: DesiredNic, value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(nic, `${what} must be an integer in ${min}..${max}, got ${quoteForLog(value)}`);
  }
  return value;
}

/** Reserved routing tables: unspec (0), default (253), main (254), local (255). */
const RESERVED_TABLES = new Set([0, 253, 254, 255]);

export function checkAddressing(value: unknown): Addressing {
  if (value !== 'dhcp' && value !== 'static') {
    throw new ValidationError(`addressing must be dhcp or static, got ${quoteForLog(value)}`);
  }
  return value;
}

export function checkNic(nic: DesiredNic): CheckedNic {
  const ifname = parseIfname(nic.ifname);
  const mac = parseMac(nic.mac, `${ifname} MAC`);
  const index = checkInt(nic, nic.index, 'index', 0, MAX_NIC_INDEX);
  const eniId = nic.eniId === undefined ? undefined : parseEniId(nic.eniId);
  if (!Array.isArray(nic.secondaryIps)) fail(nic, 'secondaryIps is not a list');
  // Aliases share the ENI's prefix (as in the guide). A primary NIC's DesiredNic may omit it;
  // its aliases are then /32, which needs no prefix route (eth0's own address has one).
  const aliasPrefix =
    nic.prefixLength === undefined ? 32 : checkInt(nic, nic.prefixLength, 'prefix length', 1, 32);
  const seen = new Set<string>();
  const aliases = nic.secondaryIps.map((raw, k): CheckedAlias => {
    const ip = parseIPv4(raw, `${ifname} secondary IP`);
    if (seen.has(ip)) fail(nic, `secondary IP ${ip} is listed twice`);
    seen.add(ip);
    const label = `${ifname}:${k}`;
    // The kernel limits address labels to IFNAMSIZ-1 bytes, like interface names.
    if (label.length > 15) fail(nic, `alias label ${label} is longer than 15 characters`);
    return { k, label, ip, prefixLength: aliasPrefix, netmask: prefixToNetmask(aliasPrefix) };
  });
  const base = { ifname, mac, index, ...(eniId !== undefined ? { eniId } : {}), aliases };
  if (nic.role === 'primary') return { ...base, role: 'primary' };
  if (nic.role !== 'secondary') fail(nic, `role must be primary or secondary, got ${quoteForLog(nic.role)}`);

  const primaryIp = parseIPv4(nic.primaryIp, `${ifname} primary IP`);
  const prefixLength = aliasPrefix;
  if (nic.prefixLength === undefined) fail(nic, 'prefix length is missing');
  const gateway = parseIPv4(nic.gateway, `${ifname} gateway`);
  const subnet = parseCidr(nic.subnet, `${ifname} subnet`);
  if (subnet !== ipv4Network(primaryIp, prefixLength)) {
    fail(nic, `subnet ${subnet} does not match ${primaryIp}/${prefixLength}`);
  }
  if (!ipv4InCidr(gateway, subnet)) fail(nic, `gateway ${gateway} is outside ${subnet}`);
  if (seen.has(primaryIp)) fail(nic, `primary IP ${primaryIp} is also listed as a secondary IP`);
  const table = checkInt(nic, nic.table, 'table', 1, 0xffffffff);
  if (RESERVED_TABLES.has(table)) fail(nic, `table ${table} is reserved`);
  const metric = checkInt(nic, nic.metric, 'metric', 0, 0xffffffff);
  // 0 is the local-table rule, 32766/32767 are main/default.
  const rulePriority = checkInt(nic, nic.rulePriority, 'rule priority', 1, 32765);
  return {
    ...base,
    role: 'secondary',
    primaryIp,
    prefixLength,
    netmask: prefixToNetmask(prefixLength),
    gateway,
    subnet,
    table,
    metric,
    rulePriority,
  };
}

/** The NICs of a state, checked, in a stable order (index, then name). */
export function checkState(state: DesiredState): { addressing: Addressing; nics: CheckedNic[] } {
  const addressing = checkAddressing(state.addressing);
  if (!Array.isArray(state.nics)) throw new ValidationError('desired state has no NIC list');
  const nics = state.nics.map(checkNic).sort((a, b) => a.index - b.index || a.ifname.localeCompare(b.ifname));
  const names = new Set<string>();
  for (const nic of nics) {
    if (names.has(nic.ifname)) throw new ValidationError(`NIC ${nic.ifname} appears twice in the desired state`);
    names.add(nic.ifname);
  }
  return { addressing, nics };
}

/** Does a checked NIC have anything for the renderer to write? (A primary without aliases: no.) */
export function needsFiles(nic: CheckedNic): boolean {
  return nic.role === 'secondary' || nic.aliases.length > 0;
}
