// `eni-agent daemon`: reconcile at start, then on kernel link add/remove (debounced), on the
// node-cron schedule (drift repair), on SIGHUP (config reload) and, while some NIC is pending
// (link without metadata or metadata without link), on a short backoff. Every trigger goes
// through one PassQueue: one pass at a time, a trigger during a pass causes exactly one more.
// Each pass holds the state-dir lock, so the CLI and the daemon exclude each other.
//
// Errors never end the daemon: a failed pass (metadata, kernel, exception) is logged and retried
// with backoff. SIGTERM/SIGINT let the pass in progress finish, then the daemon exits 0.
// A pass that finds nothing to do logs nothing above debug.

import path from 'node:path';
import { execa } from 'execa';
import cron, { type ScheduledTask } from 'node-cron';
import { tuningHooksFor } from '../apply/tuning-hooks.js';
import { fetchAndCache } from '../cli/commands/reconcile.js';
import { buildContext, familyAndRenderer, type Context } from '../cli/context.js';
import { checkInterfacesSourcesDir } from '../distro/debian-source.js';
import { actionIfname } from '../apply/apply.js';
import { isMetadataError } from '../metadata/index.js';
import { AgentMetrics, type PassResult } from '../metrics/metrics.js';
import { runPass, type PassReport } from '../reconcile.js';
import { isLockHeldError, type PassSummary } from '../state/store.js';
import { NoteOnce } from '../tuning/index.js';
import { RepeatQuieter } from '../log-repeats.js';
import { Backoff, PendingRetry } from './backoff.js';
import { LinkMonitor, type LinkEvent } from './link-monitor.js';
import { PassQueue, type Trigger } from './queue.js';
import { ScopeRunner, underSystemd } from './scope-runner.js';

/** How long a daemon pass waits for the lock (a CLI pass) before giving up and retrying later. */
const LOCK_WAIT_MS = 30_000;

export interface DaemonHooks {
  /** Called after every pass (tests, metrics); never throws into the daemon. */
  afterPass?: (outcome: PassOutcome) => void;
}

export interface PassOutcome {
  reasons: Trigger[];
  result: PassResult | 'lock-busy';
  durationMs: number;
  report?: PassReport;
  error?: unknown;
}

export class Daemon {
  private readonly queue: PassQueue;
  private readonly notes = new NoteOnce();
  private quieter: RepeatQuieter;
  private readonly metrics = new AgentMetrics();
  private readonly pendingRetry: PendingRetry;
  private readonly failureBackoff = new Backoff({ initialMs: 1000, maxMs: 60_000 });
  private failureTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private cronTask: ScheduledTask | undefined;
  private monitor: LinkMonitor | undefined;
  private firstPassDone = false;
  private stopping: Promise<number> | undefined;
  private resolveExit!: (code: number) => void;
  private readonly exited = new Promise<number>((resolve) => (this.resolveExit = resolve));
  /** Things said at info/warn once, repeated only at debug while unchanged (quiet no-op passes). */
  private lastPendingKey = '';
  private readonly saidWarnings = new Set<string>();
  private lastErrorKey = '';

  constructor(
    private ctx: Context,
    private readonly hooks: DaemonHooks = {},
  ) {
    this.quieter = new RepeatQuieter(ctx.logger);
    this.queue = new PassQueue((reasons) => this.pass(reasons));
    this.pendingRetry = new PendingRetry(() => this.queue.trigger('pending'), ctx.config.daemon.pendingRetrySeconds * 1000);
  }

  private get logger() {
    return this.ctx.logger;
  }

  /** Start everything; resolves with the exit code once the daemon has stopped. */
  async run(): Promise<number> {
    const onStop = (signal: NodeJS.Signals) => {
      this.logger.info(`${signal} received; finishing the current pass and exiting`);
      void this.stop();
    };
    const onHup = () => {
      void this.reload();
    };
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', onHup);
    try {
      this.logger.info('eni-agent daemon starting', { schedule: this.ctx.config.daemon.schedule, watchLinks: this.ctx.config.daemon.watchLinks });
      await this.checkDistro();
      // The monitor first, so a link that appears while the first pass runs is not missed.
      await this.startMonitor();
      this.startSchedule();
      this.queue.trigger('start');
      return await this.exited;
    } finally {
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      process.off('SIGHUP', onHup);
    }
  }

  /** Stop triggers, let the pass in progress finish, stop the monitor; exit code 0. */
  stop(): Promise<number> {
    this.stopping ??= (async () => {
      this.stopSchedule();
      if (this.debounceTimer) clearTimeout(this.debounceTimer);
      if (this.failureTimer) clearTimeout(this.failureTimer);
      this.pendingRetry.cancel();
      await this.monitor?.stop();
      this.monitor = undefined;
      await this.queue.stop();
      this.logger.info('eni-agent daemon stopped');
      this.resolveExit(0);
      return 0;
    })();
    return this.stopping;
  }

  /** SIGHUP: re-read the configuration (a bad file keeps the old one), re-arm, reconcile. */
  async reload(): Promise<void> {
    if (this.stopping) return;
    this.logger.info(`SIGHUP: reloading ${this.ctx.configFile}`);
    let next: Context;
    try {
      next = await buildContext(this.ctx.options);
    } catch (error) {
      this.logger.error(`configuration reload failed, keeping the previous one: ${(error as Error).message}`);
      return;
    }
    const before = this.ctx.config.daemon;
    this.ctx = next;
    this.quieter = new RepeatQuieter(this.ctx.logger);
    const after = next.config.daemon;
    this.pendingRetry.setWindow(after.pendingRetrySeconds * 1000);
    if (before.schedule !== after.schedule) {
      this.stopSchedule();
      this.startSchedule();
    }
    if (before.watchLinks !== after.watchLinks) {
      if (after.watchLinks) await this.startMonitor();
      else {
        await this.monitor?.stop();
        this.monitor = undefined;
      }
    }
    await this.checkDistro();
    this.saidWarnings.clear();
    this.queue.trigger('sighup');
  }

  private async checkDistro(): Promise<void> {
    try {
      const { family } = await familyAndRenderer(this.ctx);
      if (family === 'debian') {
        const check = await checkInterfacesSourcesDir(this.ctx.root);
        if (!check.sourced) this.logger.warn(check.detail);
      }
    } catch (error) {
      // Resolved again (and reported) by each pass.
      this.logger.debug(`distro check: ${(error as Error).message}`);
    }
  }

  private startSchedule(): void {
    const { schedule } = this.ctx.config.daemon;
    const quiet = {
      info: (m: string) => this.logger.debug(`cron: ${m}`),
      warn: (m: string) => this.logger.debug(`cron: ${m}`),
      error: (m: string | Error) => this.logger.warn(`cron: ${String(m)}`),
      debug: (m: string | Error) => this.logger.debug(`cron: ${String(m)}`),
    };
    this.cronTask = cron.schedule(schedule, () => void this.queue.trigger('schedule'), {
      name: 'eni-agent-drift',
      noOverlap: false,
      suppressMissedWarning: true,
      logger: quiet,
    });
  }

  private stopSchedule(): void {
    const task = this.cronTask;
    this.cronTask = undefined;
    if (task) void Promise.resolve(task.destroy()).catch(() => undefined);
  }

  private async startMonitor(): Promise<void> {
    if (!this.ctx.config.daemon.watchLinks || this.monitor) return;
    this.monitor = new LinkMonitor({
      onEvent: (event) => this.onLinkEvent(event),
      onLog: (level, message) => this.logger.log(level, message),
    });
    await this.monitor.start();
  }

  private onLinkEvent(event: LinkEvent): void {
    if (this.stopping) return;
    if (event.kind !== 'restart') this.logger.debug(`link ${event.kind} ${event.ifname ?? ''}; pass in ${this.ctx.config.daemon.debounceMs} ms`);
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      this.queue.trigger(event.kind === 'restart' ? 'monitor-restart' : 'link');
    }, this.ctx.config.daemon.debounceMs);
  }

  // ------------------------------------------------------------------------------------ a pass

  private async pass(reasonSet: ReadonlySet<Trigger>): Promise<void> {
    const reasons = [...reasonSet];
    const ctx = this.ctx;
    const started = Date.now();
    ctx.logger.debug(`pass (${reasons.join(', ')})`);
    this.quieter.beginPass();
    let outcome: PassOutcome;
    let release: (() => Promise<void>) | undefined;
    try {
      try {
        release = await ctx.store.acquireLock(LOCK_WAIT_MS);
      } catch (error) {
        if (!isLockHeldError(error)) throw error;
      }
      if (release) {
        outcome = await this.runOnePass(ctx, reasons, started);
      } else {
        // A CLI pass (or a stuck one) holds the lock: not an error of ours; retried with backoff.
        outcome = { reasons, result: 'lock-busy', durationMs: Date.now() - started };
        ctx.logger.warn(`another pass holds ${ctx.store.dir}/reconcile.lock for more than ${LOCK_WAIT_MS / 1000} s; retrying later`);
      }
    } catch (error) {
      outcome = { reasons, result: 'error', durationMs: Date.now() - started, error };
      this.logError('exception', `pass failed: ${(error as Error).stack ?? String(error)}`);
      await this.save(ctx, { result: 'failed', exitCode: 1, actions: 0, failedNics: [], started, message: (error as Error).message });
    } finally {
      await release?.().catch((error: unknown) => ctx.logger.warn(`releasing the lock: ${(error as Error).message}`));
    }
    await this.afterPass(ctx, outcome);
  }

  private async runOnePass(ctx: Context, reasons: Trigger[], started: number): Promise<PassOutcome> {
    const { family, renderer } = await familyAndRenderer(ctx);
    const { record: before } = await ctx.store.loadRecord();
    let report: PassReport;
    try {
      report = await runPass(
        {
          config: ctx.config,
          root: ctx.root,
          family,
          renderer,
          runner: underSystemd() && ctx.root === '/' ? new ScopeRunner(ctx.runner) : ctx.runner,
          // Failures that repeat every pass are said once (RepeatQuieter), then at debug.
          logger: this.quieter.logger,
          store: ctx.store,
          fetchSnapshot: () => fetchAndCache(ctx),
          tuning: tuningHooksFor(ctx.config.tuning, ctx.runner, { notes: this.notes, channelCacheFile: path.join(ctx.stateDir, 'channels.json') }),
        },
        { dryRun: false, force: false },
      );
    } catch (error) {
      if (!isMetadataError(error)) throw error;
      const durationMs = Date.now() - started;
      this.logError(`metadata:${error.kind}:${error.message}`, `metadata service unavailable (${error.kind}): ${error.message}; nothing was changed, retrying`);
      await this.save(ctx, { result: 'metadata-error', exitCode: 3, actions: 0, failedNics: [], started, message: error.message });
      this.metrics.observePass({ result: 'metadata-error', durationMs, metadataErrorKind: error.kind });
      return { reasons, result: 'metadata-error', durationMs, error };
    }
    const durationMs = Date.now() - started;
    const failed = report.failures.length > 0 || report.remaining.length > 0;
    const result: PassResult = failed ? 'failed' : report.actions.length > 0 ? 'changed' : 'converged';
    this.sayPending(report);
    for (const w of report.warnings) {
      if (this.saidWarnings.has(w)) ctx.logger.debug(w);
      else ctx.logger.warn(w);
    }
    this.saidWarnings.clear();
    for (const w of report.warnings) this.saidWarnings.add(w);
    if (report.actions.length > 0) {
      ctx.logger.info(`pass applied ${report.actions.length} action(s) in ${durationMs} ms (${reasons.join(', ')})`);
    } else {
      ctx.logger.debug(`pass: nothing to do (${durationMs} ms)`);
    }
    if (!failed && this.lastErrorKey !== '') {
      ctx.logger.info('recovered: pass succeeded');
      this.lastErrorKey = '';
    }
    const managedBefore = new Set(Object.values(before.nics).map((n) => n.ifname));
    const driftRepairs = this.firstPassDone ? report.actions.filter((a) => managedBefore.has(actionIfname(a) ?? '')).length : 0;
    this.metrics.observePass({
      result,
      durationMs,
      managedNics: report.desired.nics.length,
      pendingNics: report.desired.pending.length,
      driftRepairs,
    });
    await this.save(ctx, {
      result,
      exitCode: failed ? 1 : 0,
      actions: report.actions.length,
      failedNics: [...new Set(report.failures.map((f) => f.ifname))],
      started,
    });
    return { reasons, result, durationMs, report };
  }

  /** Pending NICs are said at info when the set changes, at debug while it stays the same. */
  private sayPending(report: PassReport): void {
    const key = report.desired.pending.map((p) => `${p.ifname ?? p.mac}:${p.reason}`).sort().join('\n');
    const level = key === this.lastPendingKey ? 'debug' : 'info';
    for (const p of report.desired.pending) this.logger.log(level, `${p.ifname ?? p.mac}: pending (${p.reason})`);
    this.lastPendingKey = key;
  }

  /** An error is logged at error each time it changes; while it repeats (retries), at warn. */
  private logError(key: string, message: string): void {
    this.logger.log(key === this.lastErrorKey ? 'warn' : 'error', message);
    this.lastErrorKey = key;
  }

  private async save(ctx: Context, s: Omit<PassSummary, 'finishedAt' | 'durationMs'> & { started: number }): Promise<void> {
    const { started, ...rest } = s;
    const summary: PassSummary = { finishedAt: new Date().toISOString(), durationMs: Date.now() - started, ...rest };
    try {
      await ctx.store.saveSummary(summary);
    } catch (error) {
      ctx.logger.warn(`cannot save the pass summary: ${(error as Error).message}`);
    }
  }

  private async afterPass(ctx: Context, outcome: PassOutcome): Promise<void> {
    if (outcome.result === 'error') this.metrics.observePass({ result: 'error', durationMs: outcome.durationMs });
    try {
      await this.metrics.writeTextfile(ctx.root, ctx.config.metrics.textfile);
    } catch (error) {
      ctx.logger.log(this.firstPassDone ? 'debug' : 'warn', `cannot write metrics to ${ctx.config.metrics.textfile}: ${(error as Error).message}`);
    }
    // Retry a failed pass with backoff; success resets it. Pending NICs get their own short backoff.
    if (this.failureTimer) clearTimeout(this.failureTimer);
    this.failureTimer = undefined;
    const ok = outcome.result === 'converged' || outcome.result === 'changed';
    if (ok) this.failureBackoff.reset();
    else if (!this.stopping) {
      const delay = this.failureBackoff.next();
      ctx.logger.debug(`retrying in ${delay} ms`);
      this.failureTimer = setTimeout(() => {
        this.failureTimer = undefined;
        this.queue.trigger('retry');
      }, delay);
    }
    if (outcome.report && !this.stopping) {
      // Pending both ways: metadata without a link (desired.pending) and a link without metadata
      // (unknownLinks). Either may be the other half of an ENI still on its way. Of the unknown
      // links only Ethernet ones with Alibaba Cloud's OUI (00:16:3e, every ECS ENI) count: lo,
      // bridges and container veths never get metadata and must not keep the backoff running.
      const { pending, unknownLinks } = outcome.report.desired;
      const eniLike = outcome.report.kernel.links.filter((l) => unknownLinks.includes(l.ifname) && l.linkType === 'ether' && l.mac.startsWith('00:16:3e:'));
      const delay = this.pendingRetry.update([...pending.map((p) => p.mac), ...eniLike.map((l) => l.mac)]);
      if (delay !== null) ctx.logger.debug(`pending NICs: re-checking in ${delay} ms`);
    }
    if (!this.firstPassDone) {
      this.firstPassDone = true;
      await this.notifyReady(outcome);
    }
    try {
      this.hooks.afterPass?.(outcome);
    } catch {
      // a hook never breaks the daemon
    }
  }

  /** Type=notify: tell systemd we are up once the first pass has run (whatever its result). */
  private async notifyReady(outcome: PassOutcome): Promise<void> {
    const status = `first pass: ${outcome.result} in ${outcome.durationMs} ms`;
    this.logger.info(`ready (${status})`);
    if (!process.env.NOTIFY_SOCKET) return;
    // NotifyAccess=all in the unit: the message comes from this child, not the main pid.
    const result = await execa('systemd-notify', ['--ready', `--status=${status}`], {
      reject: false,
      timeout: 10_000,
      stdin: 'ignore',
    });
    if (result.exitCode !== 0) this.logger.warn(`systemd-notify --ready failed: ${String(result.stderr || (result as { shortMessage?: string }).shortMessage || result.exitCode)}`);
  }
}
