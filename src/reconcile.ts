// One reconcile pass: observe → desired → plan → apply → verify. The core steps are pure
// functions; this module only sequences them and talks to the edges.

import { mkdir } from 'node:fs/promises';
import type { Config } from './config/config.js';
import type { CommandRunner } from './exec/runner.js';
import { readTextIfExists, underRoot } from './files/atomic.js';
import { observeKernel } from './kernel/observe.js';
import type { Logger } from './log.js';
import type { Action } from './model/actions.js';
import type { DesiredNic, DesiredState, DistroFamily, KernelState, MetadataSnapshot, RenderedFile } from './model/types.js';
import { applyBringUp, applyFileActions, applyKernelActions, actionIfname, waitForAddresses, type ApplyContext, type Outcome } from './apply/apply.js';
import { buildDesiredState } from './plan/desired.js';
import { nextRecord, planBringUp, planFiles, planKernel, type Conflict, type IfupAction } from './plan/plan.js';
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

/** Everything a pass decided before touching anything: what --dry-run prints. */
interface PassPlan {
  desired: DesiredState;
  kernel: KernelState;
  record: ManagedRecord;
  indexMemory: Record<string, number>;
  rendered: RenderedFile[];
  conflicts: Conflict[];
  warnings: string[];
  failures: NicFailure[];
  /** NICs left out of this pass (failures so far); grows while applying. */
  skip: Set<string>;
  /** Secondary NICs without a bring-up command: the kernel plan brings them up with ip. */
  live: Set<string>;
  fileActions: Action[];
  bringUp: IfupAction[];
  kernelActions: Action[];
  tuningActions: Action[];
}

export async function runPass(deps: PassDeps, options: PassOptions): Promise<PassReport> {
  const plan = await planPass(deps, options);
  if (options.dryRun) {
    const { desired, fileActions, bringUp, kernelActions, tuningActions, failures, conflicts, warnings, kernel } = plan;
    return { desired, actions: [...fileActions, ...bringUp, ...kernelActions, ...tuningActions], failures, conflicts, warnings, remaining: [], kernel };
  }
  return applyPass(deps, plan);
}

/** Observe metadata, kernel and disk, and plan every step. Changes nothing. */
async function planPass(deps: PassDeps, options: PassOptions): Promise<PassPlan> {
  const { config, root, runner, logger, store, renderer } = deps;
  // Metadata first: if it fails, the pass stops here and nothing is changed.
  const snapshot = await deps.fetchSnapshot();
  for (const rejected of snapshot.rejected) logger.warn(`NIC ${rejected.mac} refused: ${rejected.reason}`);

  const kernel = await observeKernel(runner);
  const { record } = await store.loadRecord();
  const built = buildDesiredState({ snapshot, links: kernel.links, config, family: deps.family, indexMemory: record.indexes });
  const { state: desired, rendered, refused } = renderableState(built.state, renderer, root);
  const filePlan = planFiles({ desired, rendered, disk: await readDisk(root, rendered, record), record, force: options.force });

  const failures: NicFailure[] = [...refused, ...filePlan.conflicts.map((c) => ({ ifname: c.ifname ?? '-', reason: `${c.path} ${c.reason}` }))];
  // A NIC whose metadata was refused is a failed NIC (exit 1), though nothing of it is touched.
  for (const p of desired.pending) {
    if (p.ifname && desired.rejected.some((r) => r.mac === p.mac)) failures.push({ ifname: p.ifname, reason: p.reason });
  }
  for (const f of failures) logger.error(`${f.ifname}: ${f.reason}`);
  const skip = new Set(failures.map((f) => f.ifname));

  const commands = (nic: DesiredNic) => {
    const up = renderer.upCommand(nic, { root });
    return up ? { up, down: renderer.downCommand(nic, { root }) ?? [] } : null;
  };
  const live = new Set(desired.nics.filter((n) => n.role === 'secondary' && commands(n) === null).map((n) => n.ifname));
  const plan: PassPlan = {
    desired,
    kernel,
    record,
    indexMemory: built.indexMemory,
    rendered,
    conflicts: filePlan.conflicts,
    warnings: [...built.warnings],
    failures,
    skip,
    live,
    fileActions: filePlan.actions.filter((a) => !skip.has(actionIfname(a) ?? '')),
    bringUp: planBringUp(desired, kernel, commands).filter((a) => !skip.has(a.ifname)),
    kernelActions: planKernel({ desired, kernel, record, routing: config.routing, skip, live }),
    tuningActions: [],
  };
  const tuning = deps.tuning ? await deps.tuning.plan(desired) : { actions: [], notes: [] };
  plan.tuningActions = tuning.actions;
  // Tuning notes are said when a pass does something; a no-op pass stays quiet (debug only).
  const somethingToDo = plan.fileActions.length + plan.bringUp.length + plan.kernelActions.length + plan.tuningActions.length > 0;
  for (const note of tuning.notes) logger.log(somethingToDo || options.dryRun ? note.level : 'debug', note.message);
  return plan;
}

/** Apply a plan: files, bring-up, kernel (re-planned after bring-up), tuning; then verify. */
async function applyPass(deps: PassDeps, plan: PassPlan): Promise<PassReport> {
  const { config, root, runner, logger, store, renderer } = deps;
  const { desired, record, live, skip, failures, warnings } = plan;
  const ctx: ApplyContext = { runner, root, logger, ifupTimeoutMs: config.ifupTimeoutMs };
  const replanKernel = (kernel: KernelState) => planKernel({ desired, kernel, record, routing: config.routing, skip, live });
  const applied: Outcome[] = [];
  const take = (outcomes: Outcome[]) => {
    applied.push(...outcomes);
    for (const o of outcomes) {
      if (!o.error) continue;
      const ifname = actionIfname(o.action) ?? '-';
      failures.push({ ifname, reason: o.error });
      skip.add(ifname);
      logger.error(`${ifname}: ${o.error}`);
    }
  };

  take(await applyFileActions(plan.fileActions, ctx));
  if (plan.fileActions.length > 0) {
    for (const command of renderer.afterWriteCommands({ root })) {
      const result = await runner.run(command, { allowFailure: true, timeoutMs: 60_000 });
      if (result.exitCode !== 0) warnings.push(`${command.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
    }
  }

  let kernel = plan.kernel;
  let kernelPlan = plan.kernelActions.filter((a) => !skip.has(actionIfname(a) ?? ''));
  const toBringUp = plan.bringUp.filter((a) => !skip.has(a.ifname));
  if (toBringUp.length > 0) {
    // ifupdown keeps its state in <root>/run/network under a test or image root; /run is a
    // tmpfs, so the directory may not exist yet.
    if (deps.family === 'debian') await mkdir(underRoot(root, '/run/network'), { recursive: true });
    for (const a of toBringUp) logger.info(`${a.ifname}: bringing up`, { command: a.command.join(' ') });
    take(await applyBringUp(toBringUp, ctx));
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
    kernelPlan = replanKernel(kernel);
  }

  for (const a of kernelPlan) logger.info(`${actionIfname(a) ?? '-'}: ${describeAction(a)}`);
  take(await applyKernelActions(kernelPlan, ctx));
  if (deps.tuning && plan.tuningActions.length > 0) {
    take(await deps.tuning.apply(plan.tuningActions.filter((a) => !skip.has(actionIfname(a) ?? ''))));
  }

  // Verify: a converged kernel plans nothing. Whatever is left is reported, not retried here.
  let remaining: Action[] = [];
  if (kernelPlan.length > 0) {
    kernel = await observeKernel(runner);
    remaining = replanKernel(kernel);
    for (const a of remaining) logger.warn(`still not converged after apply: ${describeAction(a)}`);
  }

  const done = applied.filter((o) => !o.error).map((o) => o.action);
  const newRecord = nextRecord(record, desired, plan.rendered, plan.indexMemory, skip, (nic) => renderer.downCommand(nic, { root }), live, {
    files: new Set(done.flatMap((a) => (a.kind === 'write-file' ? [a.path] : []))),
    addresses: done.flatMap((a) => (a.kind === 'add-address' ? [{ ifname: a.ifname, address: a.address, prefixLength: a.prefixLength }] : [])),
  });
  if (JSON.stringify(newRecord) !== JSON.stringify(record)) await store.saveRecord(newRecord);

  return {
    desired,
    actions: applied.map((o) => o.action),
    failures: dedupeFailures(failures),
    conflicts: plan.conflicts,
    warnings,
    remaining,
    kernel,
  };
}

/**
 * The renderer re-validates every NIC and throws on a bad one. Find the NICs it refuses (one by
 * one, only when the whole state fails) and set them aside as failures so the rest go on.
 */
function renderableState(
  state: DesiredState,
  renderer: FamilyRenderer,
  root: string,
): { state: DesiredState; rendered: RenderedFile[]; refused: NicFailure[] } {
  try {
    return { state, rendered: renderer.render(state, { root }), refused: [] };
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
    const renderable = { ...state, nics, pending };
    return { state: renderable, rendered: renderer.render(renderable, { root }), refused };
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
