// Last-known-good metadata in the state directory. When the metadata service fails, the agent
// may keep working from this instead of treating the failure as "no NICs". The file is
// re-validated on load with the same validators as live metadata: it is input like any other.

import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { MetadataSnapshot, NicMetadata, RejectedNic } from '../model/types.js';
import { ValidationError, parseCidr, parseEniId, parseIPv4, parseIPv6, parseMac, quoteForLog } from '../model/validate.js';

const CACHE_VERSION = 1;

export class SnapshotCacheError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotCacheError';
  }
}

export interface CachedSnapshot {
  /** The snapshot as saved, with `source: 'cache'`. */
  snapshot: MetadataSnapshot;
  /** When it was saved (so callers can say how stale it is). */
  savedAt: Date;
}

export function snapshotCachePath(stateDir: string): string {
  return join(stateDir, 'metadata-snapshot.json');
}

export async function saveSnapshotCache(stateDir: string, snapshot: MetadataSnapshot, now: Date = new Date()): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const body = { version: CACHE_VERSION, savedAt: now.toISOString(), snapshot: { ...snapshot, source: snapshot.source } };
  await writeFileAtomic(snapshotCachePath(stateDir), `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, fsync: true });
}

/** `undefined` when there is no cache; SnapshotCacheError when the file is unreadable or invalid. */
export async function loadSnapshotCache(stateDir: string): Promise<CachedSnapshot | undefined> {
  const file = snapshotCachePath(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SnapshotCacheError(`${file}: cannot read the metadata cache: ${(error as Error).message}`, { cause: error });
  }
  try {
    return parseCache(JSON.parse(text));
  } catch (error) {
    const reason = error instanceof ValidationError || error instanceof SyntaxError ? error.message : String(error);
    throw new SnapshotCacheError(`${file}: invalid metadata cache: ${reason}`, { cause: error });
  }
}

function parseCache(raw: unknown): CachedSnapshot {
  const top = object(raw, 'cache');
  if (top['version'] !== CACHE_VERSION) throw new ValidationError(`unsupported cache version ${quoteForLog(top['version'])}`);
  const savedAt = new Date(String(top['savedAt']));
  if (typeof top['savedAt'] !== 'string' || Number.isNaN(savedAt.getTime())) throw new ValidationError(`savedAt is not a date: ${quoteForLog(top['savedAt'])}`);
  const snap = object(top['snapshot'], 'snapshot');
  const nics = array(snap['nics'], 'nics').map(parseNic);
  const rejected = array(snap['rejected'], 'rejected').map(parseRejected);
  return { snapshot: { primaryMac: parseMac(snap['primaryMac'], 'primaryMac'), nics, rejected, source: 'cache' }, savedAt };
}

/** Re-normalise every field; an unknown or mistyped field rejects the whole file. */
function parseNic(raw: unknown): NicMetadata {
  const n = object(raw, 'nic');
  const known = ['mac', 'eniId', 'primaryIp', 'prefixLength', 'gateway', 'vswitchCidr', 'privateIpv4s', 'ipv6s', 'ipv6Gateway'];
  const extra = Object.keys(n).find((key) => !known.includes(key));
  if (extra !== undefined) throw new ValidationError(`unknown NIC field ${quoteForLog(extra)}`);
  const nic: NicMetadata = {
    mac: parseMac(n['mac'], 'mac'),
    privateIpv4s: array(n['privateIpv4s'], 'privateIpv4s').map((ip) => parseIPv4(ip, 'privateIpv4s entry')),
    ipv6s: array(n['ipv6s'], 'ipv6s').map((ip) => parseIPv6(ip, 'ipv6s entry')),
  };
  if (n['eniId'] !== undefined) nic.eniId = parseEniId(n['eniId'], 'eniId');
  if (n['primaryIp'] !== undefined) nic.primaryIp = parseIPv4(n['primaryIp'], 'primaryIp');
  if (n['prefixLength'] !== undefined) {
    const p = n['prefixLength'];
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 32) throw new ValidationError(`prefixLength is invalid: ${quoteForLog(p)}`);
    nic.prefixLength = p;
  }
  if (n['gateway'] !== undefined) nic.gateway = parseIPv4(n['gateway'], 'gateway');
  if (n['vswitchCidr'] !== undefined) nic.vswitchCidr = parseCidr(n['vswitchCidr'], 'vswitchCidr');
  if (n['ipv6Gateway'] !== undefined) nic.ipv6Gateway = parseIPv6(n['ipv6Gateway'], 'ipv6Gateway');
  return nic;
}

function parseRejected(raw: unknown): RejectedNic {
  const r = object(raw, 'rejected entry');
  if (typeof r['mac'] !== 'string' || typeof r['reason'] !== 'string') throw new ValidationError('rejected entry needs string mac and reason');
  // Shown in logs later: keep them printable.
  return { mac: safeText(r['mac']), reason: safeText(r['reason']) };
}

function safeText(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : quoteForLog(text);
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ValidationError(`${what} is not a list`);
  return value;
}
