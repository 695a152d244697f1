// Turn raw metadata values (text from a crawl, or strings/lists from /all) into a validated
// NicMetadata. Every value goes through src/model/validate.ts; the first bad value throws a
// ValidationError whose message names the item and shows the escaped value, and the caller
// rejects that one NIC. Missing items are not errors: metadata lags behind the API.

import type { NicMetadata } from '../model/types.js';
import {
  ValidationError,
  netmaskToPrefix,
  parseCidr,
  parseEniId,
  parseIPv4,
  parseIPv6,
  quoteForLog,
} from '../model/validate.js';

/** The per-MAC items the agent reads (a crawl fetches exactly these). */
export const NIC_ITEMS = [
  'network-interface-id',
  'primary-ip-address',
  'netmask',
  'gateway',
  'vswitch-cidr-block',
  'private-ipv4s',
  'ipv6s',
  'ipv6-gateway',
] as const;

export type NicItem = (typeof NIC_ITEMS)[number];

/** Raw values as they arrived: a string, an already-parsed list (from /all), or absent. */
export type RawNicItems = Partial<Record<NicItem, unknown>>;

/** A metadata directory listing: one entry per line, directories end in `/`. */
export function parseListing(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '');
}

/**
 * A list value: an already-parsed array, a JSON array (`["10.0.0.20","10.0.0.30"]`, how
 * private-ipv4s comes), or the bracket form without quotes (`[2408:4005::1,2408:4005::2]`, how
 * ipv6s comes). Entries are returned raw; the caller validates each one.
 */
export function parseListValue(value: unknown, what: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') throw new ValidationError(`${what} is not a list: ${quoteForLog(value)}`);
  const text = value.trim();
  if (text === '') return [];
  if (text.startsWith('[') && text.includes('"')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ValidationError(`${what} is not a list: ${quoteForLog(value)}`);
    }
    if (!Array.isArray(parsed)) throw new ValidationError(`${what} is not a list: ${quoteForLog(value)}`);
    return parsed;
  }
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // Quotes outside JSON, or nested brackets, are no list format the service uses.
  if (/["[\]{}]/.test(inner)) throw new ValidationError(`${what} is not a list: ${quoteForLog(value)}`);
  return inner
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}

export function parseIpv4List(value: unknown, what: string): string[] {
  return dedupe(parseListValue(value, what).map((entry) => parseIPv4(entry, `${what} entry`)));
}

export function parseIpv6List(value: unknown, what: string): string[] {
  return dedupe(parseListValue(value, what).map((entry) => parseIPv6(entry, `${what} entry`)));
}

/** Absent, or an empty answer body: the item is not known (yet). */
function present(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');
}

/** Validate one NIC. Throws ValidationError naming the first bad item. `mac` is already valid. */
export function buildNic(mac: string, raw: RawNicItems): NicMetadata {
  const nic: NicMetadata = { mac, privateIpv4s: [], ipv6s: [] };
  const item = (name: NicItem): unknown => (present(raw[name]) ? raw[name] : undefined);

  const eniId = item('network-interface-id');
  if (eniId !== undefined) nic.eniId = parseEniId(eniId, 'network-interface-id');
  const primaryIp = item('primary-ip-address');
  if (primaryIp !== undefined) nic.primaryIp = parseIPv4(primaryIp, 'primary-ip-address');
  const netmask = item('netmask');
  if (netmask !== undefined) nic.prefixLength = netmaskToPrefix(netmask, 'netmask');
  const gateway = item('gateway');
  if (gateway !== undefined) nic.gateway = parseIPv4(gateway, 'gateway');
  const vswitch = item('vswitch-cidr-block');
  if (vswitch !== undefined) {
    const cidr = parseCidr(vswitch, 'vswitch-cidr-block');
    if (cidr.includes(':')) throw new ValidationError(`vswitch-cidr-block is not an IPv4 CIDR: ${quoteForLog(vswitch)}`);
    nic.vswitchCidr = cidr;
  }
  const ipv4s = item('private-ipv4s');
  const listed = ipv4s === undefined ? [] : parseIpv4List(ipv4s, 'private-ipv4s');
  // The primary comes first so aliases numbered from the rest stay stable.
  nic.privateIpv4s = nic.primaryIp === undefined ? listed : dedupe([nic.primaryIp, ...listed]);
  const ipv6s = item('ipv6s');
  if (ipv6s !== undefined) nic.ipv6s = parseIpv6List(ipv6s, 'ipv6s');
  const ipv6Gateway = item('ipv6-gateway');
  if (ipv6Gateway !== undefined) nic.ipv6Gateway = parseIPv6(ipv6Gateway, 'ipv6-gateway');
  return nic;
}
