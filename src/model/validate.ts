// Validators for every value that comes from outside (metadata, kernel output, config).
// Each returns the normalised value or throws a ValidationError naming what was wrong,
// so a hostile value can never reach a file or a command line.

import ipaddr from 'ipaddr.js';

export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** Show a bad value safely in a log line: quoted, control characters escaped, truncated. */
export function quoteForLog(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(shown);
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function parseMac(value: unknown, what = 'MAC'): string {
  if (typeof value !== 'string') throw new ValidationError(`${what} is not a string: ${quoteForLog(value)}`);
  const mac = value.trim().toLowerCase();
  if (!MAC_RE.test(mac)) throw new ValidationError(`${what} is not a MAC address: ${quoteForLog(value)}`);
  return mac;
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Strict dotted quad: no leading zeros, no octal or hex forms that ipaddr.js would accept. */
export function parseIPv4(value: unknown, what = 'IPv4 address'): string {
  if (typeof value !== 'string') throw new ValidationError(`${what} is not a string: ${quoteForLog(value)}`);
  const text = value.trim();
  if (!IPV4_RE.test(text)) throw new ValidationError(`${what} is not a dotted-quad IPv4 address: ${quoteForLog(value)}`);
  return text;
}

export function parseIPv6(value: unknown, what = 'IPv6 address'): string {
  if (typeof value !== 'string') throw new ValidationError(`${what} is not a string: ${quoteForLog(value)}`);
  const text = value.trim();
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !ipaddr.IPv6.isValid(text)) {
    throw new ValidationError(`${what} is not an IPv6 address: ${quoteForLog(value)}`);
  }
  return ipaddr.IPv6.parse(text).toRFC5952String();
}

/** Normalise either family; used to compare addresses from the kernel and from metadata. */
export function normaliseIp(value: string): string {
  return value.includes(':') ? parseIPv6(value) : parseIPv4(value);
}

/** A contiguous dotted netmask (255.255.255.0) → prefix length (24). */
export function netmaskToPrefix(value: unknown, what = 'netmask'): number {
  const mask = parseIPv4(value, what);
  const bits = mask
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  if (!/^1*0*$/.test(bits)) throw new ValidationError(`${what} is not a contiguous netmask: ${quoteForLog(value)}`);
  const prefix = bits.indexOf('0') === -1 ? 32 : bits.indexOf('0');
  if (prefix < 1) throw new ValidationError(`${what} has prefix length 0: ${quoteForLog(value)}`);
  return prefix;
}

export function prefixToNetmask(prefix: number): string {
  const bits = '1'.repeat(prefix).padEnd(32, '0');
  return [0, 8, 16, 24].map((i) => parseInt(bits.slice(i, i + 8), 2)).join('.');
}

/** The network address of ip/prefix, as `a.b.c.d/p`. */
export function ipv4Network(ip: string, prefix: number): string {
  const network = ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${prefix}`).toString();
  return `${network}/${prefix}`;
}

/** `a.b.c.d/p` (or IPv6) → normalised network CIDR; the host bits are cleared. */
export function parseCidr(value: unknown, what = 'CIDR'): string {
  if (typeof value !== 'string') throw new ValidationError(`${what} is not a string: ${quoteForLog(value)}`);
  const text = value.trim();
  const slash = text.indexOf('/');
  if (slash < 0) throw new ValidationError(`${what} has no prefix length: ${quoteForLog(value)}`);
  const addr = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) throw new ValidationError(`${what} has a bad prefix length: ${quoteForLog(value)}`);
  const len = Number(lenText);
  if (addr.includes(':')) {
    const v6 = parseIPv6(addr, what);
    if (len > 128) throw new ValidationError(`${what} has a bad prefix length: ${quoteForLog(value)}`);
    return `${ipaddr.IPv6.networkAddressFromCIDR(`${v6}/${len}`).toRFC5952String()}/${len}`;
  }
  const v4 = parseIPv4(addr, what);
  if (len > 32) throw new ValidationError(`${what} has a bad prefix length: ${quoteForLog(value)}`);
  return ipv4Network(v4, len);
}

export function ipv4InCidr(ip: string, cidr: string): boolean {
  const [net, len] = ipaddr.parseCIDR(cidr);
  const addr = ipaddr.parse(ip);
  return addr.kind() === net.kind() && addr.match([net, len]);
}

/** Linux interface names: 1–15 bytes, no slash, whitespace, colon or quote. */
const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;

export function parseIfname(value: unknown, what = 'interface name'): string {
  if (typeof value !== 'string' || !IFNAME_RE.test(value) || value === '.' || value === '..') {
    throw new ValidationError(`${what} is not a valid interface name: ${quoteForLog(value)}`);
  }
  return value;
}

/** ENI ids look like `eni-bp13i3ed90icgdgaxxxx`. */
export function parseEniId(value: unknown, what = 'network-interface-id'): string {
  if (typeof value !== 'string' || !/^[a-z]{2,5}-[a-z0-9]{4,40}$/.test(value.trim())) {
    throw new ValidationError(`${what} is not an ENI id: ${quoteForLog(value)}`);
  }
  return value.trim();
}

/** `ethN` → N, else undefined. */
export function ethIndex(ifname: string): number | undefined {
  const m = /^eth(\d{1,3})$/.exec(ifname);
  return m ? Number(m[1]) : undefined;
}
