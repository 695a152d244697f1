// Build a MetadataSnapshot: one GET of /latest/meta-data/all where the service answers it,
// otherwise a crawl of the tree. Transport failures propagate (a snapshot is all or nothing);
// only a per-item 404 means "not known yet", and a bad value rejects just its NIC.
// Garbage in a MAC listing (a line that is not a MAC) rejects that entry, not the snapshot: the
// listing itself answered, and the valid NICs in it are still trustworthy. A primary MAC that is
// not a MAC is different: it is a MetadataError of kind `garbage`.

import type { MetadataSnapshot, NicMetadata, RejectedNic } from '../model/types.js';
import { ValidationError, parseMac, quoteForLog } from '../model/validate.js';
import { MetadataError } from './errors.js';
import { NIC_ITEMS, type NicItem, type RawNicItems, buildNic, parseListing } from './parse.js';
import { mapLimit } from './pool.js';

/** What the snapshot needs from a client: a GET where 404 is `undefined`. */
export interface MetadataReader {
  getOptional(path: string, options?: { signal?: AbortSignal }): Promise<string | undefined>;
}

export interface SnapshotOptions {
  signal?: AbortSignal;
  /** Requests in flight at once during a crawl. */
  concurrency?: number;
}

const META = '/latest/meta-data';
const MACS = `${META}/network/interfaces/macs`;

/** Items a secondary NIC needs to be configured; fetched one by one when /all lacks them. */
const FALLBACK_ITEMS: NicItem[] = ['primary-ip-address', 'private-ipv4s'];

export async function readSnapshot(reader: MetadataReader, options: SnapshotOptions = {}): Promise<MetadataSnapshot> {
  const all = await reader.getOptional(`${META}/all`, { signal: options.signal });
  const tree = all === undefined ? undefined : usableAllTree(all);
  if (tree) return fromAll(reader, tree, options);
  return crawl(reader, options);
}

interface AllTree {
  mac: unknown;
  macs: Record<string, unknown>;
}

/** The /all answer, if it is a JSON object with a network.interfaces.macs object; else crawl. */
function usableAllTree(text: string): AllTree | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const network = parsed['network'];
  const interfaces = isObject(network) ? network['interfaces'] : undefined;
  const macs = isObject(interfaces) ? interfaces['macs'] : undefined;
  if (!isObject(macs)) return undefined;
  return { mac: parsed['mac'], macs };
}

async function fromAll(reader: MetadataReader, tree: AllTree, options: SnapshotOptions): Promise<MetadataSnapshot> {
  const primaryMac = primary(tree.mac ?? (await reader.getOptional(`${META}/mac`, { signal: options.signal })));
  const nics: NicMetadata[] = [];
  const rejected: RejectedNic[] = [];
  const entries = checkMacKeys(Object.keys(tree.macs), rejected);
  const raws: Array<{ mac: string; raw: RawNicItems }> = [];
  for (const { key, mac } of entries) {
    const value = tree.macs[key];
    if (!isObject(value)) {
      rejected.push({ mac, reason: `the entry for MAC ${mac} is not an object: ${quoteForLog(value)}` });
      continue;
    }
    const raw: RawNicItems = {};
    for (const item of NIC_ITEMS) if (item in value) raw[item] = value[item];
    raws.push({ mac, raw });
  }
  // /all can lack a NIC's addresses (the published g8i answer does); a secondary NIC cannot be
  // configured without them, so ask for exactly those items. The primary is never configured.
  const missing = raws.flatMap(({ mac, raw }) =>
    mac === primaryMac ? [] : FALLBACK_ITEMS.filter((item) => raw[item] === undefined).map((item) => ({ raw, mac, item })),
  );
  await mapLimit(missing, options.concurrency ?? 4, async ({ raw, mac, item }) => {
    const value = await reader.getOptional(`${MACS}/${mac}/${item}`, { signal: options.signal });
    if (value !== undefined) raw[item] = value;
  });
  for (const { mac, raw } of raws) addNic(mac, raw, nics, rejected);
  return { primaryMac, nics, rejected, source: 'all' };
}

async function crawl(reader: MetadataReader, options: SnapshotOptions): Promise<MetadataSnapshot> {
  const { signal } = options;
  const primaryMac = primary(await required(reader, `${META}/mac`, signal));
  const listing = await required(reader, `${MACS}/`, signal);
  const rejected: RejectedNic[] = [];
  const keys = parseListing(listing).map((line) => (line.endsWith('/') ? line.slice(0, -1) : line));
  const entries = checkMacKeys(keys, rejected);
  const raws = entries.map(({ mac }) => ({ mac, raw: {} as RawNicItems }));
  const jobs = raws.flatMap(({ mac, raw }) => NIC_ITEMS.map((item) => ({ mac, raw, item })));
  await mapLimit(jobs, options.concurrency ?? 4, async ({ mac, raw, item }) => {
    const value = await reader.getOptional(`${MACS}/${mac}/${item}`, { signal });
    if (value !== undefined) raw[item] = value;
  });
  const nics: NicMetadata[] = [];
  for (const { mac, raw } of raws) addNic(mac, raw, nics, rejected);
  return { primaryMac, nics, rejected, source: 'crawl' };
}

async function required(reader: MetadataReader, path: string, signal?: AbortSignal): Promise<string> {
  const value = await reader.getOptional(path, { signal });
  if (value === undefined) throw new MetadataError('http', `metadata ${path} answered 404`, { status: 404, path });
  return value;
}

/** The primary MAC must be valid: without it no NIC can be told apart from the primary. */
function primary(value: unknown): string {
  try {
    return parseMac(value, 'primary MAC (meta-data/mac)');
  } catch (error) {
    if (error instanceof ValidationError) throw new MetadataError('garbage', error.message, { path: `${META}/mac` });
    throw error;
  }
}

/**
 * Validate MAC keys (from /all or a listing). A bad key or a MAC listed twice (e.g. in two
 * cases) rejects that entry; the shown MAC of a bad key is escaped so it is safe to log.
 */
function checkMacKeys(keys: string[], rejected: RejectedNic[]): Array<{ key: string; mac: string }> {
  const valid: Array<{ key: string; mac: string }> = [];
  const seen = new Map<string, number>();
  for (const key of keys) {
    try {
      const mac = parseMac(key, 'MAC key');
      seen.set(mac, (seen.get(mac) ?? 0) + 1);
      valid.push({ key, mac });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      rejected.push({ mac: quoteForLog(key), reason: error.message });
    }
  }
  const duplicates = [...seen].filter(([, count]) => count > 1).map(([mac]) => mac);
  for (const mac of duplicates) rejected.push({ mac, reason: `MAC ${mac} is listed more than once` });
  return valid.filter(({ mac }) => !duplicates.includes(mac));
}

function addNic(mac: string, raw: RawNicItems, nics: NicMetadata[], rejected: RejectedNic[]): void {
  try {
    nics.push(buildNic(mac, raw));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    rejected.push({ mac, reason: error.message });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
