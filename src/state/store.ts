// State directory edge: the managed record, the last pass's summary, and the pass lock.
// Everything lives under <root><stateDir>; files are written atomically.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { readTextIfExists, writeAtomic } from '../files/atomic.js';
import { emptyRecord, isManagedRecord, type ManagedRecord } from './record.js';

export interface PassSummary {
  finishedAt: string;
  durationMs: number;
  result: 'converged' | 'changed' | 'failed' | 'metadata-error' | 'config-error';
  exitCode: number;
  actions: number;
  failedNics: string[];
  message?: string;
}

export class StateStore {
  constructor(readonly dir: string) {}

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /** A missing or unreadable record means "nothing managed yet"; the caller logs a corrupt one. */
  async loadRecord(): Promise<{ record: ManagedRecord; corrupt: boolean }> {
    const text = await readTextIfExists(this.file('managed.json'));
    if (text === null) return { record: emptyRecord(), corrupt: false };
    try {
      const value: unknown = JSON.parse(text);
      if (isManagedRecord(value)) return { record: value, corrupt: false };
    } catch {
      // fall through
    }
    return { record: emptyRecord(), corrupt: true };
  }

  async saveRecord(record: ManagedRecord): Promise<void> {
    await this.ensureDir();
    await writeAtomic(this.file('managed.json'), `${JSON.stringify(record, null, 2)}\n`, 0o600);
  }

  async loadSummary(): Promise<PassSummary | null> {
    const text = await readTextIfExists(this.file('last-pass.json'));
    if (text === null) return null;
    try {
      return JSON.parse(text) as PassSummary;
    } catch {
      return null;
    }
  }

  async saveSummary(summary: PassSummary): Promise<void> {
    await this.ensureDir();
    await writeAtomic(this.file('last-pass.json'), `${JSON.stringify(summary, null, 2)}\n`, 0o644);
  }

  /**
   * One pass at a time across processes (CLI and daemon). proper-lockfile keeps the lock fresh
   * while held and treats a lock left by a killed process as stale after `staleMs`.
   */
  async acquireLock(waitMs: number): Promise<() => Promise<void>> {
    await this.ensureDir();
    const target = this.file('reconcile.lock');
    const retries = Math.max(0, Math.floor(waitMs / 200));
    return lockfile.lock(this.dir, {
      lockfilePath: target,
      stale: 10_000,
      update: 2_000,
      retries: retries === 0 ? 0 : { retries, minTimeout: 200, maxTimeout: 200, factor: 1 },
      realpath: false,
    });
  }
}

export function isLockHeldError(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ELOCKED';
}
