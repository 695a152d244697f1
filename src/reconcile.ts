// One reconcile pass: observe → desired → plan → apply → verify. The core steps are pure
// functions; this module only sequences them and talks to the edges.

import { mkdir } from 'node:fs/promises';
import type { Config } from './config/config.js';
import type { CommandRunner } from './exec/runner.js';
import { readTextIfExists, underRoot } from './files/atomic.js';
import { observeKernel } from './kernel/observe.js';
import type { Logger } from './log.js';
import type { Action } from './model/actions.js';
import type { DesiredState, DistroFamily, KernelState, MetadataSnapshot, RenderedFile } from './model/types.js';
import { applyBringUp, applyFileActions, applyKernelActions, actionIfname, waitForAddresses, type ApplyContext, type Outcome } from './apply/apply.js';
import { buildDesiredState } from './plan/desired.js';
import { nextRecord, planBringUp, planFiles, planKernel, type Conflict } from './plan/plan.js';
import type { FamilyRenderer } from './render/family.js';
import type { ManagedRecord } from './state/record.js';
import type { StateStore } from './state/store.js';
import type { TuningHooks } from './apply/tuning-port.js';
import { describeAction } from './plan/describe.js';

export interface PassDeps {
  config: Config;
  root: string;
  family: DistroFamily;
  renderer: FamilyRenderer;
  runner: CommandRunner;
  logger: Logger;
  store: StateStore;
  fetchSnapshot: () => Promise<MetadataSnapshot>;
  tuning?: TuningHooks;
}

export interface PassOptions {
  dryRun: boolean;
  force: boolean;
}

export interface NicFailure {
  ifname: string;
  reason: string;
}

export interface PassReport {
  desired: DesiredState;
  /** Everything planned (dry run) or applied (real pass), in order. */
  actions: Action[];
  failures: NicFailure[];
  conflicts: Conflict[];
  warnings: string[];
  /** Actions a verifying re-plan still finds after apply (drift that would not go away). */
  remaining: Action[];
  kernel: KernelState;
}

const ADDRESS_WAIT_MS = 10_000;

/** Read the current content of every path the plan needs to compare. */
async function readDisk(root: string, rendered: RenderedFile[], record: ManagedRecord): Promise<Map<string, string | null>> {
  const paths = new Set([...rendered.map((f) => f.path), ...Object.values(record.nics).flatMap((n) => n.files), ...(record.sharedFiles ?? [])]);
  const entries = await Promise.all([...paths].map(async (p) => [p, await readTextIfExists(underRoot(root, p))] as const));
  return new Map(entries);
}

export async function runPass(deps: PassDeps, options: PassOptions): Promise<PassReport> {
  const { config, root, runner, logger, store, renderer } = deps;
  // Metadata first: if it fails, the pass stops here and nothing is changed.
  const snapshot = await deps.fetchSnapshot();
  for (const rejected of snapshot.rejected) logger.warn(`NIC ${rejected.mac} refused: ${rejected.reason}`);

  let kernel = await observeKernel(runner);
  const { record } = await store.loadRecord();
  const built = buildDesiredState({
    snapshot,
    links: kernel.links,
    config,
    family: deps.family,
    indexMemory: record.indexes,
  });
  const warnings = [...built.warnings];
  const { state: desired, refused } = renderableState(built.state, renderer, root);
  const rendered = renderer.render(desired, { root });
  const disk = await readDisk(root, rendered, record);
  const filePlan = planFiles({ desired, rendered, disk, record, force: options.force });

  const failures: NicFailure[] = [...refused, ...filePlan.conflicts.map((c) => ({ ifname: c.ifname ?? '-', reason: `${c.path} ${c.reason}` }))];
  // A NIC whose metadata was refused is a failed NIC (exit 1), though nothing of it is touched.
  for (const p of desired.pending) {
    if (p.ifname && desired.rejected.some((r) => r.mac === p.mac)) failures.push({ ifname: p.ifname, reason: p.reason });
  }
  for (const f of failures) logger.error(`${f.ifname}: ${f.reason}`);
  const skip = new Set(failures.map((f) => f.ifname));
  const fileActions = filePlan.actions.filter((a) => !skip.has(actionIfname(a) ?? ''));
  const commands = (nic: DesiredState['nics'][number]) => {
    const up = renderer.upCommand(nic, { root });
    return up ? { up, down: renderer.downCommand(nic, { root }) ?? [] } : null;
  };
  const bringUp = planBringUp(desired, kernel, commands).filter((a) => !skip.has(a.ifname));
  // Secondary NICs without a bring-up command are brought up live by the kernel plan.
  const live = new Set(desired.nics.filter((n) => n.role === 'secondary' && commands(n) === null).map((n) => n.ifname));
  const kernelActions = planKernel({ desired, kernel, record, routing: config.routing, skip, live });
  const tuningPlan = deps.tuning ? await deps.tuning.plan(desired) : { actions: [], notes: [] };

  // Tuning notes are said when a pass does something; a no-op pass stays quiet (debug only).
  const somethingToDo = fileActions.length + bringUp.length + kernelActions.length + tuningPlan.actions.length > 0;
  for (const note of tuningPlan.notes) logger.log(somethingToDo || options.dryRun ? note.level : 'debug', note.message);

  if (options.dryRun) {
    return { desired, actions: [...fileActions, ...bringUp, ...kernelActions, ...tuningPlan.actions], failures, conflicts: filePlan.conflicts, warnings, remaining: [], kernel };
  }

  const ctx: ApplyContext = { runner, root, logger, ifupTimeoutMs: config.ifupTimeoutMs };
  const applied: Outcome[] = [];
  const fail = (outcomes: Outcome[]) => {
    for (const o of outcomes) {
      if (!o.error) continue;
      const ifname = actionIfname(o.action) ?? '-';
      failures.push({ ifname, reason: o.error });
      skip.add(ifname);
      logger.error(`${ifname}: ${o.error}`);
    }
  };

  applied.push(...(await applyFileActions(fileActions, ctx)));
  fail(applied);

  let kernelPlan = kernelActions;
  const toBringUp = bringUp.filter((a) => !skip.has(a.ifname));
  if (fileActions.length > 0) {
    for (const command of renderer.afterWriteCommands({ root })) {
      const result = await runner.run(command, { allowFailure: true, timeoutMs: 60_000 });
      if (result.exitCode !== 0) warnings.push(`${command.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
    }
  }
  if (toBringUp.length > 0) {
    // ifupdown keeps its state in <root>/run/network under a test or image root; /run is a
    // tmpfs, so the directory may not exist yet.
    if (deps.family === 'debian') await mkdir(underRoot(root, '/run/network'), { recursive: true });
    for (const a of toBringUp) logger.info(`${a.ifname}: bringing up`, { command: a.command.join(' ') });
    const upOutcomes = await applyBringUp(toBringUp, ctx);
    applied.push(...upOutcomes);
    fail(upOutcomes);
    const wanted = desired.nics
      .filter((n) => toBringUp.some((a) => a.ifname === n.ifname) && !skip.has(n.ifname))
      .map((n) => ({ ifname: n.ifname, address: n.primaryIp! }));
    const waited = await waitForAddresses(wanted, ctx, ADDRESS_WAIT_MS);
    kernel = waited.kernel;
    for (const ifname of waited.missing) {
      failures.push({ ifname, reason: `no address after bring-up within ${ADDRESS_WAIT_MS} ms` });
      skip.add(ifname);
      logger.error(`${ifname}: no address after bring-up`);
    }
    // Plan the kernel again against what bring-up produced (DHCP installs its own routes).
    kernelPlan = planKernel({ desired, kernel, record, routing: config.routing, skip, live });
  } else {
    kernelPlan = kernelPlan.filter((a) => !skip.has(actionIfname(a) ?? ''));
  }

  for (const a of kernelPlan) logger.info(`${actionIfname(a) ?? '-'}: ${describeAction(a)}`);
  const kernelOutcomes = await applyKernelActions(kernelPlan, ctx);
  applied.push(...kernelOutcomes);
  fail(kernelOutcomes);

  if (deps.tuning && tuningPlan.actions.length > 0) {
    const tuningOutcomes = await deps.tuning.apply(tuningPlan.actions.filter((a) => !skip.has(actionIfname(a) ?? '')));
    applied.push(...tuningOutcomes);
    fail(tuningOutcomes);
  }

  // Verify: a converged kernel plans nothing. Whatever is left is reported, not retried here.
  let remaining: Action[] = [];
  if (kernelPlan.length > 0) {
    kernel = await observeKernel(runner);
    remaining = planKernel({ desired, kernel, record, routing: config.routing, skip, live });
    for (const a of remaining) logger.warn(`still not converged after apply: ${describeAction(a)}`);
  }

  const newRecord = nextRecord(record, desired, rendered, built.indexMemory, skip, (nic) => renderer.downCommand(nic, { root }), live, {
    files: new Set(applied.filter((o) => !o.error && o.action.kind === 'write-file').map((o) => (o.action as { path: string }).path)),
    addresses: applied.flatMap((o) => (!o.error && o.action.kind === 'add-address' ? [{ ifname: o.action.ifname, address: o.action.address, prefixLength: o.action.prefixLength }] : [])),
  });
  if (JSON.stringify(newRecord) !== JSON.stringify(record)) await store.saveRecord(newRecord);

  return {
    desired,
    actions: applied.map((o) => o.action),
    failures: dedupeFailures(failures),
    conflicts: filePlan.conflicts,
    warnings,
    remaining,
    kernel,
  };
}

/**
 * The renderer re-validates every NIC and throws on a bad one. Find the NICs it refuses (one by
 * one, only when the whole state fails) and set them aside as failures so the rest go on.
 */
function renderableState(state: DesiredState, renderer: FamilyRenderer, root: string): { state: DesiredState; refused: NicFailure[] } {
  try {
    renderer.render(state, { root });
    return { state, refused: [] };
  } catch {
    const refused: NicFailure[] = [];
    const nics = state.nics.filter((nic) => {
      try {
        renderer.render({ ...state, nics: [nic] }, { root });
        return true;
      } catch (error) {
        refused.push({ ifname: nic.ifname, reason: `cannot render its files: ${(error as Error).message}` });
        return false;
      }
    });
    // Refused NICs become pending, never "gone": their existing files and rules stay untouched.
    const pending = [...state.pending, ...refused.map((r) => ({ mac: state.nics.find((n) => n.ifname === r.ifname)!.mac, ifname: r.ifname, reason: r.reason }))];
    return { state: { ...state, nics, pending }, refused };
  }
}

function dedupeFailures(failures: NicFailure[]): NicFailure[] {
  const seen = new Set<string>();
  return failures.filter((f) => {
    const key = `${f.ifname}\n${f.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
