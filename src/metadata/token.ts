// Where a metadata token lives between requests and between runs. The CLI is one-shot, so a
// file in the state directory saves a PUT per run; the file is 0600 and written atomically.
// The token itself is a secret: it is never logged and never part of an error message.

import { readFile, rm, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

export interface StoredToken {
  token: string;
  /** Epoch ms after which the token is not reused (half its TTL, so it never expires in use). */
  reuseUntil: number;
  /** The endpoint that issued it: a token is useless against another endpoint. */
  endpoint: string;
}

export interface TokenStore {
  load(): Promise<StoredToken | undefined>;
  save(token: StoredToken): Promise<void>;
  clear(): Promise<void>;
}

/** Tokens are opaque printable ASCII; anything else is not sent back as a header. */
export function isUsableToken(token: string): boolean {
  return token.length > 0 && token.length <= 4096 && /^[\x21-\x7e]+$/.test(token);
}

function parseStored(raw: unknown): StoredToken | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { token, reuseUntil, endpoint } = raw as Record<string, unknown>;
  if (typeof token !== 'string' || !isUsableToken(token)) return undefined;
  if (typeof reuseUntil !== 'number' || !Number.isFinite(reuseUntil)) return undefined;
  if (typeof endpoint !== 'string') return undefined;
  return { token, reuseUntil, endpoint };
}

export class MemoryTokenStore implements TokenStore {
  #token: StoredToken | undefined;

  async load(): Promise<StoredToken | undefined> {
    return this.#token;
  }

  async save(token: StoredToken): Promise<void> {
    this.#token = { ...token };
  }

  async clear(): Promise<void> {
    this.#token = undefined;
  }
}

/** The token file's conventional place in the state directory. */
export function tokenFilePath(stateDir: string): string {
  return join(stateDir, 'metadata-token.json');
}

export class FileTokenStore implements TokenStore {
  constructor(readonly file: string) {}

  /** A missing, unreadable, malformed or group/world-accessible file counts as no token. */
  async load(): Promise<StoredToken | undefined> {
    try {
      const info = await stat(this.file);
      if ((info.mode & 0o077) !== 0) return undefined;
      return parseStored(JSON.parse(await readFile(this.file, 'utf8')));
    } catch {
      return undefined;
    }
  }

  async save(token: StoredToken): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, `${JSON.stringify(token)}\n`, { mode: 0o600, fsync: true });
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
