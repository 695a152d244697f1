// `eni-agent reconcile [--dry-run] [--force]`: one pass under the lock, with the exit codes of
// the contract: 0 converged, 1 some NIC failed, 3 metadata unreachable (nothing changed).

import path from 'node:path';
import { checkInterfacesSourcesDir } from '../../distro/debian-source.js';
import { isMetadataError, loadSnapshotCache, saveSnapshotCache } from '../../metadata/index.js';
import type { MetadataSnapshot } from '../../model/types.js';
import { describeAction, formatPlan } from '../../plan/describe.js';
import { runPass, type PassReport } from '../../reconcile.js';
import { isLockHeldError } from '../../state/store.js';
import { tuningHooksFor } from '../../apply/tuning-hooks.js';
import { familyAndRenderer, type Context } from '../context.js';
import { EXIT } from '../exit.js';

export { EXIT };

/** Wait this long for another pass (the daemon, another CLI) before giving up. */
const LOCK_WAIT_MS = 120_000;

/** Fetch metadata and keep the last good answer in the state directory (written only on change). */
export async function fetchAndCache(ctx: Context): Promise<MetadataSnapshot> {
  const snapshot = await ctx.metadata.fetchSnapshot();
  const cached = await loadSnapshotCache(ctx.stateDir).catch(() => undefined);
  const comparable = (s: MetadataSnapshot) => JSON.stringify({ ...s, source: undefined });
  if (!cached || comparable(cached.snapshot) !== comparable(snapshot)) await saveSnapshotCache(ctx.stateDir, snapshot);
  return snapshot;
}

export function reportJson(report: PassReport, dryRun: boolean): unknown {
  return {
    dryRun,
    converged: report.actions.length === 0 && report.failures.length === 0,
    actions: report.actions.map((a) => ({ ...a, description: describeAction(a), ...(a.kind === 'write-file' ? { content: undefined } : {}) })),
    failures: report.failures,
    pending: report.desired.pending,
    rejected: report.desired.rejected,
    unknownLinks: report.desired.unknownLinks,
    warnings: report.warnings,
    remaining: report.remaining.map(describeAction),
  };
}

export async function reconcileCommand(ctx: Context): Promise<number> {
  const { logger, options, store } = ctx;
  const { family, renderer } = await familyAndRenderer(ctx);
  let release: () => Promise<void>;
  try {
    release = await store.acquireLock(LOCK_WAIT_MS);
  } catch (error) {
    if (!isLockHeldError(error)) throw error;
    logger.error(`another reconcile pass holds ${store.dir}/reconcile.lock; gave up after ${LOCK_WAIT_MS / 1000} s`);
    return EXIT.nicFailed;
  }
  const started = Date.now();
  try {
    if (family === 'debian') {
      const check = await checkInterfacesSourcesDir(ctx.root);
      if (!check.sourced) logger.warn(check.detail);
    }
    const report = await runPass(
      {
        config: ctx.config,
        root: ctx.root,
        family,
        renderer,
        runner: ctx.runner,
        logger,
        store,
        fetchSnapshot: () => fetchAndCache(ctx),
        tuning: tuningHooksFor(ctx.config.tuning, ctx.runner, { channelCacheFile: path.join(ctx.stateDir, 'channels.json') }),
      },
      { dryRun: options.dryRun, force: options.force },
    );
    for (const p of report.desired.pending) logger.info(`${p.ifname ?? p.mac}: pending (${p.reason})`);
    for (const w of report.warnings) logger.warn(w);
    const failed = report.failures.length > 0 || report.remaining.length > 0;
    if (options.json) {
      process.stdout.write(`${JSON.stringify(reportJson(report, options.dryRun), null, 2)}\n`);
    } else if (options.dryRun) {
      process.stdout.write(formatPlan(report.actions));
    }
    const exitCode = failed ? EXIT.nicFailed : EXIT.converged;
    if (!options.dryRun) {
      await store.saveSummary({
        finishedAt: new Date().toISOString(),
        durationMs: Date.now() - started,
        result: failed ? 'failed' : report.actions.length > 0 ? 'changed' : 'converged',
        exitCode,
        actions: report.actions.length,
        failedNics: [...new Set(report.failures.map((f) => f.ifname))],
      });
    }
    return exitCode;
  } catch (error) {
    if (!isMetadataError(error)) throw error;
    logger.error(`metadata service unavailable (${error.kind}): ${error.message}; nothing was changed`);
    if (options.json) process.stdout.write(`${JSON.stringify({ error: 'metadata', kind: error.kind, message: error.message })}\n`);
    if (!options.dryRun) {
      await store.saveSummary({
        finishedAt: new Date().toISOString(),
        durationMs: Date.now() - started,
        result: 'metadata-error',
        exitCode: EXIT.metadata,
        actions: 0,
        failedNics: [],
        message: error.message,
      });
    }
    return EXIT.metadata;
  } finally {
    await release();
  }
}
