// Pure parsers for `ip -N -json` output (numeric tables and protocols, so names in
// /etc/iproute2/rt_tables never confuse the comparison).

import type { KernelAddress, KernelLink, KernelRoute, KernelRule } from '../model/types.js';
import { normaliseIp, parseCidr } from '../model/validate.js';

type Json = Record<string, unknown>;

function asArray(text: string, what: string): Json[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const value: unknown = JSON.parse(trimmed);
  if (!Array.isArray(value)) throw new Error(`ip -json ${what}: expected an array`);
  return value as Json[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
};

export function parseLinks(text: string): KernelLink[] {
  return asArray(text, 'link').map((l) => ({
    ifname: String(l.ifname),
    ifindex: Number(l.ifindex),
    mac: (str(l.address) ?? '').toLowerCase(),
    up: Array.isArray(l.flags) && (l.flags as unknown[]).includes('UP'),
    // With -N the type is numeric: `[1]` is ARPHRD_ETHER.
    linkType: l.link_type === '[1]' || l.link_type === 'ether' ? 'ether' : (str(l.link_type) ?? 'none'),
  }));
}

export function parseAddresses(text: string): KernelAddress[] {
  const out: KernelAddress[] = [];
  for (const link of asArray(text, 'addr')) {
    const ifname = String(link.ifname);
    const infos = Array.isArray(link.addr_info) ? (link.addr_info as Json[]) : [];
    for (const a of infos) {
      const family = a.family === 'inet' ? 4 : a.family === 'inet6' ? 6 : undefined;
      const local = str(a.local);
      if (!family || !local) continue;
      out.push({
        ifname,
        family,
        local: normaliseIp(local),
        prefixLength: Number(a.prefixlen),
        label: str(a.label),
        dynamic: a.dynamic === true || (typeof a.valid_life_time === 'number' && a.valid_life_time !== 4294967295),
        secondary: a.secondary === true,
      });
    }
  }
  return out;
}

const MAIN_TABLE = 254;

function normaliseDst(dst: string, family: 4 | 6): string {
  if (dst === 'default') return 'default';
  if (dst.includes('/')) return parseCidr(dst);
  return `${normaliseIp(dst)}/${family === 4 ? 32 : 128}`;
}

/** Unicast routes only; local/broadcast/multicast entries of the kernel are not ours to diff. */
export function parseRoutes(text: string, family: 4 | 6): KernelRoute[] {
  const out: KernelRoute[] = [];
  for (const r of asArray(text, 'route')) {
    const type = r.type === undefined ? 'unicast' : String(r.type);
    if (type !== 'unicast' && type !== '1') continue;
    const dst = str(r.dst);
    if (!dst) continue;
    const gateway = str(r.gateway);
    const prefsrc = str(r.prefsrc);
    out.push({
      family,
      table: num(r.table) ?? MAIN_TABLE,
      dst: normaliseDst(dst, family),
      gateway: gateway ? normaliseIp(gateway) : undefined,
      dev: str(r.dev),
      metric: num(r.metric) ?? 0,
      // ip omits the protocol when it is `boot` (3).
      protocol: str(r.protocol) ?? '3',
      scope: str(r.scope),
      prefsrc: prefsrc ? normaliseIp(prefsrc) : undefined,
    });
  }
  return out;
}

export function parseRules(text: string, family: 4 | 6): KernelRule[] {
  return asArray(text, 'rule').map((r) => {
    const src = str(r.src);
    const srclen = num(r.srclen);
    return {
      family,
      priority: Number(r.priority),
      src: !src || src === 'all' ? undefined : parseCidr(`${src}/${srclen ?? (family === 4 ? 32 : 128)}`),
      table: num(r.table) ?? MAIN_TABLE,
    };
  });
}
