// Apply edge: executes planned actions through narrow ports (files, command runner, ip batch)
// and reports an outcome per action. One NIC's failure never stops the others.

import type { CommandRunner } from '../exec/runner.js';
import { backupFile, removeIfExists, underRoot, writeAtomic } from '../files/atomic.js';
import { runIpBatch, type IpAction } from '../kernel/batch.js';
import { observeKernel } from '../kernel/observe.js';
import type { Action } from '../model/actions.js';
import { IP_BATCH_KINDS } from '../model/actions.js';
import type { KernelState } from '../model/types.js';
import type { Logger } from '../log.js';

export interface Outcome {
  action: Action;
  error?: string;
}

export interface ApplyContext {
  runner: CommandRunner;
  root: string;
  logger: Logger;
  ifupTimeoutMs: number;
}

export function actionIfname(action: Action): string | undefined {
  return 'ifname' in action ? action.ifname : undefined;
}

export async function applyFileActions(actions: Action[], ctx: ApplyContext): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const action of actions) {
    try {
      if (action.kind === 'write-file') {
        const target = underRoot(ctx.root, action.path);
        if (action.reason === 'replace-unmanaged') {
          const backup = await backupFile(target);
          ctx.logger.warn(`replacing unmanaged file ${action.path} (--force); previous copy kept`, { backup });
        }
        await writeAtomic(target, action.content, action.mode);
      } else if (action.kind === 'remove-file') {
        await removeIfExists(underRoot(ctx.root, action.path));
      } else {
        throw new Error(`not a file action: ${action.kind}`);
      }
      outcomes.push({ action });
    } catch (error) {
      outcomes.push({ action, error: (error as Error).message });
    }
  }
  return outcomes;
}

/**
 * Bring NICs up one at a time per NIC (never the whole network service), all NICs in parallel.
 * If ifup believes the NIC is already configured but its address is gone (drift), take it
 * down and up once more.
 */
export async function applyBringUp(actions: Extract<Action, { kind: 'ifup' }>[], ctx: ApplyContext): Promise<Outcome[]> {
  return Promise.all(
    actions.map(async (action): Promise<Outcome> => {
      try {
        const first = await ctx.runner.run(action.command, { timeoutMs: ctx.ifupTimeoutMs, allowFailure: true });
        const output = `${first.stdout}\n${first.stderr}`;
        if (first.exitCode === 0 && /already configured/i.test(output)) {
          ctx.logger.info(`${action.ifname}: already configured but not converged; restarting it`);
          await ctx.runner.run(action.downCommand, { timeoutMs: ctx.ifupTimeoutMs, allowFailure: true });
          const second = await ctx.runner.run(action.command, { timeoutMs: ctx.ifupTimeoutMs, allowFailure: true });
          if (second.exitCode !== 0) return { action, error: summarise(action.command, second) };
        } else if (first.exitCode !== 0) {
          return { action, error: summarise(action.command, first) };
        }
        return { action };
      } catch (error) {
        return { action, error: (error as Error).message };
      }
    }),
  );
}

function summarise(command: string[], result: { exitCode: number; stderr: string; stdout: string; timedOut: boolean }): string {
  const detail = (result.stderr || result.stdout).trim().split('\n').slice(-2).join(' | ');
  return `${command.join(' ')} ${result.timedOut ? 'timed out' : `exited ${result.exitCode}`}${detail ? `: ${detail}` : ''}`;
}

/**
 * After bring-up, wait (bounded) until each NIC carries its primary address, re-reading the
 * kernel every 200 ms. Returns the last kernel view and the NICs that never got there.
 */
export async function waitForAddresses(
  wanted: Array<{ ifname: string; address: string }>,
  ctx: ApplyContext,
  timeoutMs: number,
): Promise<{ kernel: KernelState; missing: string[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const kernel = await observeKernel(ctx.runner);
    const missing = wanted.filter((w) => !kernel.addresses.some((a) => a.ifname === w.ifname && a.local === w.address)).map((w) => w.ifname);
    if (missing.length === 0 || Date.now() >= deadline) return { kernel, missing };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function applyKernelActions(actions: Action[], ctx: ApplyContext): Promise<Outcome[]> {
  const ipActions = actions.filter((a): a is IpAction => IP_BATCH_KINDS.has(a.kind));
  const results = await runIpBatch(ctx.runner, ipActions);
  return results.map((r) => ({ action: r.action, error: r.error }));
}

/** Take NICs down (teardown). A NIC that is already down is not an error. */
export async function applyIfdown(actions: Extract<Action, { kind: 'ifdown' }>[], ctx: ApplyContext): Promise<Outcome[]> {
  return Promise.all(
    actions.map(async (action): Promise<Outcome> => {
      const result = await ctx.runner.run(action.command, { timeoutMs: ctx.ifupTimeoutMs, allowFailure: true });
      return result.exitCode === 0 ? { action } : { action, error: summarise(action.command, result) };
    }),
  );
}
