// node dist/bench/rss-variants.js [--passes 1000] [--budget-s 120] [--n 8] [--m 10] [--variant "<node flags>"]... [--schedule-s S]
//
// The daemon's RSS after many passes under different Node flags, on one converged N×M testbed
// (default 8×10): for each variant a fresh `eni-agent daemon` (1 s schedule, debug log), then
// SIGHUP (reload + pass) by its pid as soon as the previous pass ended, until `passes` or the
// time budget; VmRSS (with its anonymous / file-backed split) every 100 passes. Also a bare
// `node -e 'setInterval(()=>{},1000)'` for reference; with --schedule-s, one more daemon left to
// its 1 s schedule only (no SIGHUP, no reload) for S seconds. Prints JSON; writes nothing else.
// Must run as root; the testbed is destroyed in a finally.

import { BenchDaemon, bareNodeRssMiB, rssAfterPasses } from './daemon.js';
import { removeScratch } from './measure.js';
import { BenchHost } from './testbed.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

async function main(): Promise<void> {
  const passes = arg('--passes', 1000);
  const budgetS = arg('--budget-s', 120);
  const n = arg('--n', 8);
  const m = arg('--m', 10);
  const scheduleS = arg('--schedule-s', 0);
  const variants: string[][] = [];
  process.argv.forEach((a, i) => {
    if (a === '--variant') variants.push((process.argv[i + 1] ?? '').split(/\s+/).filter(Boolean));
  });
  if (variants.length === 0) variants.push([], ['--max-semi-space-size=1'], ['--max-semi-space-size=1', '--max-old-space-size=48']);
  const bench = await BenchHost.create(n, m, 'static');
  const out: unknown[] = [];
  try {
    const cold = await bench.agentPass();
    if (cold.exitCode !== 0) throw new Error(`agent pass failed: ${cold.stderr.slice(-500)}`);
    const bare = await bareNodeRssMiB(bench);
    for (const flags of variants) {
      const daemon = await BenchDaemon.start(bench, '*/1 * * * * *', 'debug', flags);
      try {
        if (!(await daemon.waitForPasses(1, 30_000))) throw new Error('no first pass');
        const atStart = await daemon.rssSplitMiB();
        const r = await rssAfterPasses(daemon, passes, budgetS * 1000);
        const end = await daemon.rssSplitMiB();
        const kinds = { noop: daemon.passes.filter((p) => p.kind === 'noop').length, changed: daemon.passes.filter((p) => p.kind === 'changed').length };
        const ms = daemon.passes.map((p) => p.ms).sort((a, b) => a - b);
        const row = { flags: flags.join(' ') || '(none)', atStart, end, passesReached: r.passesReached, stoppedBy: r.stoppedBy, durationS: r.durationS, kinds, passMsMedian: ms[Math.floor(ms.length / 2)], curve: r.curve };
        process.stderr.write(`${JSON.stringify({ ...row, curve: undefined })}\n`);
        out.push(row);
      } finally {
        await daemon.stop();
      }
    }
    // Schedule passes only (no SIGHUP, so no config reload): is the growth per pass or per reload?
    let scheduleOnly: unknown;
    if (scheduleS > 0) {
      const daemon = await BenchDaemon.start(bench, '*/1 * * * * *', 'debug');
      try {
        if (!(await daemon.waitForPasses(1, 30_000))) throw new Error('no first pass');
        const curve: Array<[number, number, number]> = [];
        const t0 = performance.now();
        while (performance.now() - t0 < scheduleS * 1000) {
          daemon.poll();
          const r = await daemon.rssSplitMiB();
          curve.push([Math.round((performance.now() - t0) / 1000), daemon.passes.length, r.rss]);
          await new Promise((res) => setTimeout(res, 30_000));
        }
        daemon.poll();
        curve.push([Math.round((performance.now() - t0) / 1000), daemon.passes.length, (await daemon.rssSplitMiB()).rss]);
        scheduleOnly = { seconds: scheduleS, end: await daemon.rssSplitMiB(), passes: daemon.passes.length, curve_s_passes_rssMiB: curve };
        process.stderr.write(`schedule only: ${JSON.stringify(scheduleOnly)}\n`);
      } finally {
        await daemon.stop();
      }
    }
    process.stdout.write(`${JSON.stringify({ cell: `${n}×${m}`, bareNodeRssMiB: bare, variants: out, scheduleOnly }, null, 2)}\n`);
  } finally {
    await bench.destroy();
    await removeScratch();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`rss-variants: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
