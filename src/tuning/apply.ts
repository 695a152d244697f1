// applyTuning (edge): execute tuning actions. ethtool and systemctl through the CommandRunner;
// sysfs/procfs values with plain writes to the existing file (sysfs files cannot be renamed
// into, so no temp file; the file is opened without O_CREAT, so a wrong path fails instead of
// leaving a stray file in a fake tree). Never installs packages. One action's failure never
// throws: every action gets a result, and the caller decides per NIC.

import { open, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import type { Action } from '../model/actions.js';
import type { CommandRunner } from '../exec/runner.js';
import { masksEqual } from './cpus.js';
import { setChannelsCommand } from './ethtool.js';
import type { TuningAction } from './types.js';

export interface TuningActionResult {
  action: TuningAction;
  ok: boolean;
  /** False when the value was already right at apply time (written by someone else meanwhile). */
  changed: boolean;
  error?: string;
}

export interface ApplyTuningOptions {
  runner: CommandRunner;
  timeoutMs?: number;
}

export function isTuningAction(action: Action): action is TuningAction {
  return action.kind === 'set-channels' || action.kind === 'write-rps' || action.kind === 'write-sysfs' || action.kind === 'start-irqbalance';
}

/** Write a value to an existing sysfs/procfs file: no create, no rename. */
export async function writeSysfsValue(file: string, value: string): Promise<void> {
  const handle = await open(file, constants.O_WRONLY | constants.O_TRUNC);
  try {
    await handle.writeFile(`${value}\n`);
  } finally {
    await handle.close();
  }
}

async function runOne(action: TuningAction, options: ApplyTuningOptions): Promise<Omit<TuningActionResult, 'action'>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  switch (action.kind) {
    case 'set-channels': {
      const command = setChannelsCommand(action);
      const result = await options.runner.run(command, { allowFailure: true, timeoutMs });
      if (result.exitCode !== 0) {
        const detail = (result.stderr || result.stdout).trim().split('\n').filter(Boolean).slice(-2).join(' | ');
        return { ok: false, changed: false, error: `${command.join(' ')} ${result.timedOut ? 'timed out' : `exited ${result.exitCode}`}${detail ? `: ${detail}` : ''}` };
      }
      return { ok: true, changed: true };
    }
    case 'write-rps': {
      // Re-check at apply time: a queue that appeared after set-channels has no `from` in the plan.
      let current: string | null = null;
      try {
        current = (await readFile(action.path, 'utf8')).trim();
      } catch {
        current = null;
      }
      if (current !== null && masksEqual(current, action.to)) return { ok: true, changed: false };
      await writeSysfsValue(action.path, action.to);
      return { ok: true, changed: true };
    }
    case 'write-sysfs':
      await writeSysfsValue(action.path, action.to);
      return { ok: true, changed: true };
    case 'start-irqbalance': {
      const result = await options.runner.run(['systemctl', 'start', 'irqbalance'], { allowFailure: true, timeoutMs });
      if (result.exitCode !== 0) {
        return { ok: false, changed: false, error: `systemctl start irqbalance exited ${result.exitCode}: ${(result.stderr || result.stdout).trim()}` };
      }
      return { ok: true, changed: true };
    }
  }
}

/**
 * Execute the actions in order. When a NIC's set-channels fails, its later actions still run
 * (RPS on the queues it already has is still worth setting); writes to queues that did not
 * appear fail with ENOENT and are reported.
 */
export async function applyTuning(actions: readonly TuningAction[], options: ApplyTuningOptions): Promise<TuningActionResult[]> {
  const results: TuningActionResult[] = [];
  for (const action of actions) {
    try {
      results.push({ action, ...(await runOne(action, options)) });
    } catch (error) {
      results.push({ action, ok: false, changed: false, error: describeError(error, action) });
    }
  }
  return results;
}

function describeError(error: unknown, action: TuningAction): string {
  const err = error as NodeJS.ErrnoException;
  const where = 'path' in action ? `${action.path}: ` : '';
  if (err.code === 'ENOENT') return `${where}does not exist`;
  if (err.code) return `${where}${err.code}: ${err.message}`;
  return `${where}${err.message ?? String(error)}`;
}

/** A one-line description of an action, for logs and `--dry-run`. */
export function describeTuningAction(action: TuningAction): string {
  switch (action.kind) {
    case 'set-channels':
      return action.shape === 'combined'
        ? `${action.ifname}: channels combined ${action.from} → ${action.to}`
        : `${action.ifname}: channels rx ${action.from} → ${action.to}, tx ${action.fromTx ?? '?'} → ${action.toTx ?? '?'}`;
    case 'write-rps':
      return `${action.ifname}: ${action.queue} rps_cpus ${action.from ?? '(new queue)'} → ${action.to}`;
    case 'write-sysfs':
      return `${action.ifname ? `${action.ifname}: ` : ''}${action.why}: ${action.path} ${action.from || '?'} → ${action.to}`;
    case 'start-irqbalance':
      return 'start irqbalance (systemctl start irqbalance)';
  }
}
