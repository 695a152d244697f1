// `npm run bench` (node dist/bench/run.js [--quick] [--cold-reps K] [--noop-reps K] [--no-markdown]):
// eni-agent against Alibaba's hand procedure scripted in bench/baseline.sh, on the netns testbed,
// for N secondary ENIs x M private IPs each. Writes bench/results/<date>[-quick].{json,svg} and
// the generated section of BENCHMARKS.md. Every testbed is destroyed in a finally block.
//
// Must run as root (network namespaces). Only touches the testbed's own namespaces.

import { readFile, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { bareNodeRssMiB as measureBareNodeRss, BenchDaemon, measureDaemonNoop, percentile, rssAfterPasses } from './daemon.js';
import { removeScratch, summarize, timedInNs } from './measure.js';
import { ratio, renderMarkdown, renderSvg } from './report.js';
import { BenchHost, diffStates, REPO_ROOT, TABLE_BASE, type KernelState, type PassResult } from './testbed.js';
import type { BenchResults, ConfigResult, PassStats, SideResult, StartupResult, TargetResult } from './types.js';

interface Options {
  quick: boolean;
  coldReps: number;
  noopReps: number;
  markdown: boolean;
  /** Daemon no-op passes timed per cell (1 s schedule). */
  daemonPasses: number;
  /** Daemon passes inside the strace window per cell. */
  stracePasses: number;
  /** Hot-plug attachments timed. */
  hotplugs: number;
  /** RSS: passes to reach, time budget, and the cell it runs in. */
  rssPasses: number;
  rssBudgetS: number;
  rssCell: [number, number];
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const num = (flag: string, dflt: number): number => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? Number(argv[i + 1]) : dflt;
    if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} needs a positive integer`);
    return v;
  };
  return {
    quick,
    coldReps: num('--cold-reps', quick ? 2 : 3),
    noopReps: num('--noop-reps', quick ? 3 : 5),
    markdown: !argv.includes('--no-markdown'),
    daemonPasses: num('--daemon-passes', quick ? 3 : 20),
    stracePasses: num('--strace-passes', quick ? 1 : 3),
    hotplugs: num('--hotplugs', quick ? 3 : 20),
    rssPasses: num('--rss-passes', quick ? 100 : 1000),
    rssBudgetS: num('--rss-budget-s', quick ? 20 : 300),
    rssCell: quick ? [4, 10] : [8, 10],
  };
}

const log = (msg: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

function check(pass: PassResult, what: string): PassResult {
  if (pass.exitCode !== 0) throw new Error(`${what} exited ${pass.exitCode}: ${(pass.stderr || pass.stdout).slice(-800)}`);
  return pass;
}

function stats(passes: PassResult[]): PassStats {
  const median = (xs: number[]): number => summarize(xs).median;
  const spawns = passes.map((p) => p.runnerSpawns).filter((x): x is number => x !== undefined);
  return {
    wallMs: summarize(passes.map((p) => p.wallMs)),
    cpuMs: summarize(passes.map((p) => p.cpuMs)),
    metadataRequests: median(passes.map((p) => p.metadataRequests)),
    ...(spawns.length > 0 ? { runnerSpawns: median(spawns) } : {}),
  };
}

/** Cold passes (reset before each) then no-op passes, then one strace-counted run of each. */
async function measureSide(bench: BenchHost, side: 'agent' | 'baseline', opts: Options): Promise<{ result: SideResult; idempotent: boolean; state: KernelState }> {
  const pass = side === 'agent' ? () => bench.agentPass() : () => bench.baselinePass();
  const cold: PassResult[] = [];
  for (let r = 0; r < opts.coldReps; r += 1) {
    await bench.reset();
    cold.push(check(await pass(), `${side} cold pass`));
  }
  const converged = await bench.snapshot();
  const noop: PassResult[] = [];
  for (let r = 0; r < opts.noopReps; r += 1) noop.push(check(await pass(), `${side} no-op pass`));
  const after = await bench.snapshot();
  const idempotent = diffStates(after, converged).length === 0;
  const noopCount = side === 'agent' ? await bench.countAgent() : await bench.countBaseline();
  await bench.reset();
  const coldCount = side === 'agent' ? await bench.countAgent() : await bench.countBaseline();
  if (coldCount.exitCode !== 0 || noopCount.exitCode !== 0) throw new Error(`${side} failed under strace`);
  return {
    state: await bench.snapshot(),
    result: { cold: { ...stats(cold), execve: coldCount }, noop: { ...stats(noop), execve: noopCount } },
    idempotent,
  };
}

async function measureConfig(n: number, m: number, addressing: 'static' | 'dhcp', opts: Options): Promise<ConfigResult> {
  const bench = await BenchHost.create(n, m, addressing);
  try {
    log(`${n}x${m}: baseline`);
    const baseline = await measureSide(bench, 'baseline', opts);
    const baselineState = baseline.state;
    log(`${n}x${m}: agent (tuning defaults)`);
    const agent = await measureSide(bench, 'agent', opts);
    const agentState = agent.state;
    let agentNoMultiqueue: SideResult | undefined;
    if ((agent.result.noop.runnerSpawns ?? 0) > 2) {
      log(`${n}x${m}: agent (tuning.multiqueue: false) — the default no-op pass spawned ${agent.result.noop.runnerSpawns}`);
      await bench.writeConfig(false);
      agentNoMultiqueue = (await measureSide(bench, 'agent', opts)).result;
      await bench.writeConfig(true);
    }
    const diff = diffStates(agentState, baselineState);
    const daemon = await measureDaemonCell(bench, opts);
    return {
      n,
      m,
      addressing,
      baseline: baseline.result,
      agent: agent.result,
      ...(agentNoMultiqueue ? { agentNoMultiqueue } : {}),
      sameKernelState: diff.length === 0,
      kernelStateDiff: diff,
      baselineIdempotent: baseline.idempotent,
      agentIdempotent: agent.idempotent,
      kernelState: agentState,
      ...daemon,
    };
  } finally {
    await bench.destroy();
  }
}

/** The daemon on the converged host of this cell: no-op schedule passes (and, in one cell, RSS). */
async function measureDaemonCell(bench: BenchHost, opts: Options): Promise<Pick<ConfigResult, 'daemonNoop' | 'daemonNoopError' | 'daemonRss'>> {
  const rssHere = bench.n === opts.rssCell[0] && bench.m === opts.rssCell[1];
  log(`${bench.n}x${bench.m}: daemon, ${opts.daemonPasses} no-op schedule passes + ${opts.stracePasses} under strace${rssHere ? ` + RSS after up to ${opts.rssPasses} passes` : ''}`);
  const daemon = await BenchDaemon.start(bench, '*/1 * * * * *');
  const out: Pick<ConfigResult, 'daemonNoop' | 'daemonNoopError' | 'daemonRss'> = {};
  try {
    out.daemonNoop = await measureDaemonNoop(daemon, opts.daemonPasses, opts.stracePasses);
    const d = out.daemonNoop;
    log(`${bench.n}x${bench.m}: daemon no-op pass median ${d.passMs.median} ms, p95 ${d.passMs.p95} ms, CPU ${d.cpuMsPerPass.toFixed(1)} ms/pass, execve ${d.execve?.perPass ?? '?'}/pass`);
    if (rssHere) {
      const r = await rssAfterPasses(daemon, opts.rssPasses, opts.rssBudgetS * 1000);
      out.daemonRss = { ...r, cell: `${bench.n}×${bench.m}`, rssMiB: r.curve[r.curve.length - 1]![1] };
      log(`${bench.n}x${bench.m}: daemon RSS ${out.daemonRss.rssMiB.toFixed(1)} MiB after ${r.passesReached} passes (${r.durationS.toFixed(0)} s)`);
    }
  } catch (error) {
    out.daemonNoopError = (error as Error).message.slice(0, 500);
    log(`${bench.n}x${bench.m}: daemon measurement failed: ${out.daemonNoopError}`);
  } finally {
    await daemon.stop();
  }
  return out;
}

async function measureStartup(addressing: 'static' | 'dhcp', reps: number): Promise<StartupResult[]> {
  const bench = await BenchHost.create(4, 10, addressing);
  try {
    check(await bench.agentPass(), 'agent pass');
    const out: StartupResult[] = [];
    const runs: Array<[string, () => Promise<PassResult>]> = [
      ['node -e 0 (Node.js alone, for reference)', async () => ({ ...(await timedInNs(bench.ns, ['node', '-e', '0'])), metadataRequests: 0 })],
      ['eni-agent --version', () => bench.agentPass(['--version'])],
      ['eni-agent status (4×10, converged)', () => bench.agentPass(['status'])],
    ];
    for (const [command, run] of runs) {
      const passes: PassResult[] = [];
      for (let r = 0; r < reps; r += 1) passes.push(check(await run(), command));
      const s = stats(passes);
      const execve = command.startsWith('eni-agent status') ? await bench.countAgent(['status']) : undefined;
      out.push({ command, wallMs: s.wallMs, cpuMs: s.cpuMs, runnerSpawns: s.runnerSpawns, metadataRequests: command.startsWith('node') ? undefined : s.metadataRequests, ...(execve ? { execve } : {}) });
    }
    return out;
  } finally {
    await bench.destroy();
  }
}

/**
 * Hot-plug latency: `eni-agent daemon` (default minute schedule, so passes come from link events)
 * on a 1×1 host; `hotplugs` NICs attached one after the other (eth2, eth3, …: veth in the guest,
 * then metadata updated), each timed until its policy rule is present (polled every 20 ms); the
 * next one after the daemon logged the pass that configured it. Plus RSS at start and a bare node.
 */
async function measureDaemon(addressing: 'static' | 'dhcp', hotplugs: number): Promise<BenchResults['daemon']> {
  const bench = await BenchHost.create(1, 1, addressing);
  try {
    const bareNodeRssMiB = await measureBareNodeRss(bench);
    const daemon = await BenchDaemon.start(bench, '* * * * *');
    try {
      if (!(await daemon.waitForPasses(1, 30_000))) return { measured: false, note: `daemon did not complete its first pass in 30 s: ${daemon.proc.output().slice(-300)}`, bareNodeRssMiB };
      await new Promise((r) => setTimeout(r, 5000));
      const rssMiB = await daemon.rssMiB();
      const samples: number[] = [];
      for (let i = 0; i < hotplugs; i += 1) {
        const k = i + 2;
        const nic = { name: `eth${k}`, mac: `00:16:3e:00:02:${k.toString(16).padStart(2, '0')}`, ip: `10.0.2.${10 + k}` };
        daemon.poll();
        const passesBefore = daemon.passes.length;
        const started = performance.now();
        await bench.host.tb.addNic(nic);
        await bench.host.setMetadataNics(bench.host.tb.nics);
        let ms: number | undefined;
        while (performance.now() - started < 60_000) {
          const rules = await bench.host.rules();
          if (rules.some((r) => r.table === String(TABLE_BASE + k) && r.src === nic.ip)) {
            ms = Math.round(performance.now() - started);
            break;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
        if (ms === undefined) {
          return { measured: samples.length > 0, note: `attachment ${i + 1} (${nic.name}) not configured within 60 s`, rssMiB, bareNodeRssMiB, ...hot(samples) };
        }
        samples.push(ms);
        log(`hot-plug ${i + 1}/${hotplugs} (${nic.name}): ${ms} ms`);
        await daemon.waitForPasses(passesBefore + 1, 10_000);
        await new Promise((r) => setTimeout(r, 200));
      }
      return { measured: true, note: 'measured', rssMiB, bareNodeRssMiB, ...hot(samples) };
    } finally {
      await daemon.stop();
    }
  } finally {
    await bench.destroy();
  }
}

function hot(samples: number[]): Pick<BenchResults['daemon'], 'hotplug' | 'hotplugMs'> {
  if (samples.length === 0) return {};
  return { hotplugMs: percentile(samples, 50), hotplug: { samples, p50: percentile(samples, 50), p95: percentile(samples, 95), max: Math.max(...samples) } };
}

function topPrograms(byProgram: Record<string, number> | undefined): string {
  return Object.entries(byProgram ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}×${v}`)
    .join(', ');
}

function evaluateTargets(configs: ConfigResult[]): TargetResult[] {
  const targets: TargetResult[] = [];
  const noopSpawns = configs.map((c) => `${c.n}×${c.m}: ${c.agent.noop.runnerSpawns ?? '?'}${c.agentNoMultiqueue ? ` (multiqueue off: ${c.agentNoMultiqueue.noop.runnerSpawns ?? '?'})` : ''}`);
  const maxSpawns = Math.max(...configs.map((c) => c.agent.noop.runnerSpawns ?? Infinity));
  const maxSpawnsNoMq = Math.max(...configs.map((c) => (c.agentNoMultiqueue ?? c.agent).noop.runnerSpawns ?? Infinity));
  targets.push({
    target: 'no-op pass spawns ≤ 2 processes whatever N×M',
    met: maxSpawns <= 2,
    detail: `runner spawns per no-op pass: ${noopSpawns.join(', ')}${maxSpawns > 2 && maxSpawnsNoMq <= 2 ? ' — met only with tuning.multiqueue: false' : ''}`,
  });
  const maxReq = Math.max(...configs.map((c) => c.agent.noop.metadataRequests));
  targets.push({
    target: 'no-op pass makes ≤ 2 metadata requests whatever N×M',
    met: maxReq <= 2,
    detail: `requests per no-op pass: ${configs.map((c) => `${c.n}×${c.m}: ${c.agent.noop.metadataRequests}`).join(', ')}`,
  });
  const c810 = configs.find((c) => c.n === 8 && c.m === 10);
  const r810 = c810 ? ratio(c810.agent.noop.wallMs.median, c810.baseline.noop.wallMs.median) : undefined;
  targets.push({
    target: 'no-op pass at 8×10 ≤ 1/20 of the baseline\'s time — CLI one-shot (`eni-agent reconcile`, Node start-up included)',
    met: r810 === undefined ? undefined : r810 <= 0.05,
    detail: c810 ? `agent ${c810.agent.noop.wallMs.median} ms / baseline ${c810.baseline.noop.wallMs.median} ms = ${r810?.toFixed(3)} (target 0.05)` : '8×10 not in this run (quick mode)',
  });
  const d810 = c810?.daemonNoop;
  const rd810 = d810 && c810 ? ratio(d810.passMs.median, c810.baseline.noop.wallMs.median) : undefined;
  const rd810p95 = d810 && c810 ? ratio(d810.passMs.p95, c810.baseline.noop.wallMs.median) : undefined;
  targets.push({
    target: 'no-op pass at 8×10 ≤ 1/20 of the baseline\'s time — daemon pass (`eni-agent daemon`, how a fleet runs it every minute)',
    met: rd810 === undefined ? undefined : rd810 <= 0.05,
    detail: d810 && c810
      ? `daemon pass median ${d810.passMs.median} ms (p95 ${d810.passMs.p95} ms, ${d810.passes} passes) / baseline ${c810.baseline.noop.wallMs.median} ms = ${rd810?.toFixed(3)} (p95: ${rd810p95?.toFixed(3)}; target 0.05); programs per pass ${d810.execve ? d810.execve.perPass.toFixed(2) : '?'}`
      : c810 ? `not measured: ${c810.daemonNoopError ?? 'no daemon data'}` : '8×10 not in this run (quick mode)',
  });
  const c1550 = configs.find((c) => c.n === 15 && c.m === 50);
  const r1550 = c1550 ? ratio(c1550.agent.cold.wallMs.median, c1550.baseline.cold.wallMs.median) : undefined;
  targets.push({
    target: 'cold pass at 15×50 ≤ 1/5 of the baseline\'s time',
    met: r1550 === undefined ? undefined : r1550 <= 0.2,
    detail: c1550
      ? `agent ${c1550.agent.cold.wallMs.median} ms / baseline ${c1550.baseline.cold.wallMs.median} ms = ${r1550?.toFixed(3)} (target 0.2); programs the agent's cold pass started: ${topPrograms(c1550.agent.cold.execve?.byProgram)}; the baseline's: ${topPrograms(c1550.baseline.cold.execve?.byProgram)}`
      : '15×50 not in this run (quick mode)',
  });
  const rss = configs.find((c) => c.daemonRss)?.daemonRss;
  targets.push({
    target: 'daemon RSS ≤ 60 MB after 1,000 passes',
    met: rss === undefined ? undefined : rss.passesReached >= 1000 ? rss.rssMiB * 1.048576 <= 60 : rss.rssMiB * 1.048576 > 60 ? false : undefined,
    detail: rss
      ? `VmRSS ${rss.rssMiB.toFixed(1)} MiB (${(rss.rssMiB * 1.048576).toFixed(1)} MB) after ${rss.passesReached} passes at ${rss.cell}${rss.passesReached < 1000 ? ` (only ${rss.passesReached} of 1,000 passes reached)` : ''}`
      : 'not measured',
  });
  return targets;
}

async function machine(): Promise<BenchResults['machine']> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return {
    nproc: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    kernel: os.release(),
    node: process.version,
    cpuModel: os.cpus()[0]?.model ?? 'unknown CPU',
    os: /^PRETTY_NAME="?([^"\n]*)/m.exec(osRelease)?.[1] ?? 'unknown OS',
  };
}

/** The commit measured, '+dirty' when src/ had uncommitted changes (others edit it concurrently). */
async function gitDescribe(): Promise<string> {
  const head = await execa('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { reject: false });
  const dirty = await execa('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', 'src'], { reject: false });
  return `${head.stdout.trim() || 'unknown'}${dirty.stdout.trim() ? '+dirty' : ''}`;
}

async function writeMarkdown(section: string): Promise<void> {
  const file = path.join(REPO_ROOT, 'BENCHMARKS.md');
  const begin = '<!-- bench:results:begin (generated by bench/run.ts) -->';
  const end = '<!-- bench:results:end -->';
  const text = await readFile(file, 'utf8').catch(() => `# Benchmarks\n\n${begin}\n${end}\n`);
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? `${text.slice(0, i + begin.length)}\n${section}${text.slice(j)}` : `${text}\n${begin}\n${section}${end}\n`;
  await writeFile(file, next);
}

/** `--render <results.json>`: redo the SVG and the BENCHMARKS.md section from a saved run. */
async function rerender(jsonFile: string): Promise<void> {
  const results = JSON.parse(await readFile(jsonFile, 'utf8')) as BenchResults;
  const stem = path.basename(jsonFile, '.json');
  await writeFile(path.join(path.dirname(jsonFile), `${stem}.svg`), renderSvg(results));
  await writeMarkdown(renderMarkdown(results, `${stem}.json`, `${stem}.svg`));
}

async function main(): Promise<void> {
  const renderIndex = process.argv.indexOf('--render');
  if (renderIndex >= 0) {
    const file = process.argv[renderIndex + 1];
    if (!file) throw new Error('--render needs a results JSON file');
    await rerender(path.resolve(file));
    return;
  }
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('bench needs root (network namespaces)');
  for (const tool of ['strace', 'curl', 'ip']) {
    if ((await execa('which', [tool], { reject: false })).exitCode !== 0) throw new Error(`${tool} is required (apt-get install -y ${tool === 'ip' ? 'iproute2' : tool})`);
  }
  const started = Date.now();
  const ns = opts.quick ? [1, 4] : [1, 4, 8, 15];
  const ms = opts.quick ? [1, 10] : [1, 10, 50];
  let addressing: 'static' | 'dhcp' = 'static';
  let addressingNote: string | undefined;
  const configs: ConfigResult[] = [];
  try {
    for (const n of ns) {
      for (const m of ms) {
        try {
          configs.push(await measureConfig(n, m, addressing, opts));
        } catch (error) {
          // Fall back only when the agent itself fails with static addressing (renderer/bring-up).
          if (addressing !== 'static' || configs.length > 0 || !/^agent cold pass/.test((error as Error).message)) throw error;
          addressing = 'dhcp';
          addressingNote = `addressing: static failed (${(error as Error).message.slice(0, 300)}); fell back to DHCP, so cold passes include DHCP.`;
          log(addressingNote);
          configs.push(await measureConfig(n, m, addressing, opts));
        }
        const c = configs[configs.length - 1]!;
        log(`${n}x${m}: cold agent ${c.agent.cold.wallMs.median} ms vs baseline ${c.baseline.cold.wallMs.median} ms; no-op ${c.agent.noop.wallMs.median} vs ${c.baseline.noop.wallMs.median} ms; same state: ${c.sameKernelState}`);
      }
    }
    log('start-up');
    const startup = await measureStartup(addressing, opts.quick ? 5 : 10);
    log(`daemon: hot-plug ×${opts.hotplugs}`);
    const daemon = await measureDaemon(addressing, opts.hotplugs);
    const date = new Date().toISOString().slice(0, 10);
    const results: BenchResults = {
      date,
      mode: opts.quick ? 'quick' : 'full',
      addressing,
      ...(addressingNote ? { addressingNote } : {}),
      coldReps: opts.coldReps,
      noopReps: opts.noopReps,
      machine: await machine(),
      configs,
      startup,
      daemon,
      targets: evaluateTargets(configs),
      durationS: Math.round((Date.now() - started) / 1000),
      commit: await gitDescribe(),
    };
    const stem = `${date}${opts.quick ? '-quick' : ''}`;
    const dir = path.join(REPO_ROOT, 'bench/results');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `${stem}.json`), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(path.join(dir, `${stem}.svg`), renderSvg(results));
    const section = renderMarkdown(results, `${stem}.json`, `${stem}.svg`);
    if (opts.markdown) await writeMarkdown(section);
    process.stdout.write(section);
    log(`done in ${results.durationS} s: bench/results/${stem}.json`);
    const notSame = configs.filter((c) => !c.sameKernelState || !c.baselineIdempotent || !c.agentIdempotent);
    if (notSame.length > 0) {
      log(`kernel state check FAILED for ${notSame.map((c) => `${c.n}x${c.m}`).join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await removeScratch();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
