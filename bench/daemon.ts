// The daemon side of the benchmark: `eni-agent daemon` started inside the testbed's guest
// namespace, its passes read from its own debug log lines
//   `debug: pass (schedule)`                     (a pass starts, with its triggers)
//   `debug: pass: nothing to do (N ms)`          (a no-op pass ended; N = the daemon's own timing)
//   `info: pass applied K action(s) in N ms (…)` (a pass that changed something ended)
// plus what can be read cheaply from outside: CPU from /proc/<pid>/stat, VmRSS from
// /proc/<pid>/status, metadata requests from the fake server's log, and programs started from a
// short `strace -f -p <pid>` window. Only processes started here are signalled, by pid.

import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { TrackedProcess } from '../test/testbed/netns.js';
import { parseExecveLog } from './measure.js';
import type { BenchHost } from './testbed.js';
import type { DaemonNoopResult } from './types.js';

export interface DaemonPass {
  kind: 'noop' | 'changed';
  ms: number;
  reasons: string;
  /** performance.now() when the line was parsed (poll resolution). */
  at: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile (p in 0..100) of samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export class BenchDaemon {
  readonly passes: DaemonPass[] = [];
  private parsed = 0;
  private partial = '';
  private pendingReasons = '';

  private constructor(
    readonly bench: BenchHost,
    readonly proc: TrackedProcess,
  ) {}

  /**
   * Start the daemon with its own config file: the bench config plus `daemon.schedule`.
   * `ip netns exec` execs the command, so proc.pid is node's pid.
   */
  static async start(bench: BenchHost, schedule: string, logLevel: 'debug' | 'info' = 'debug', nodeFlags: readonly string[] = []): Promise<BenchDaemon> {
    const config = await bench.writeDaemonConfig(schedule);
    const [node, ...rest] = bench.agentArgvWith(config, ['daemon']);
    const proc = bench.host.tb.spawn([node!, ...nodeFlags, ...rest, '--log-level', logLevel], { maxOutputBytes: 256 * 1024 * 1024 });
    return new BenchDaemon(bench, proc);
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Parse the daemon's output that arrived since the last call. */
  poll(): void {
    const out = this.proc.output();
    const fresh = out.slice(this.parsed);
    this.parsed = out.length;
    const lines = (this.partial + fresh).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const start = /pass \(([^)]*)\)\s*$/.exec(line);
      if (start) {
        this.pendingReasons = start[1]!;
        continue;
      }
      const noop = /pass: nothing to do \((\d+) ms\)/.exec(line);
      const changed = /pass applied \d+ action\(s\) in (\d+) ms/.exec(line);
      if (noop || changed) {
        this.passes.push({ kind: noop ? 'noop' : 'changed', ms: Number((noop ?? changed)![1]), reasons: this.pendingReasons, at: performance.now() });
        this.pendingReasons = '';
      }
    }
  }

  /** Wait until `count` passes have ended in total (polls every 5 ms). */
  async waitForPasses(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.poll();
      if (this.passes.length >= count) return true;
      if (!this.proc.running) throw new Error(`daemon exited: ${this.proc.output().slice(-800)}`);
      if (performance.now() > deadline) return false;
      await sleep(5);
    }
  }

  async rssMiB(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  }

  /** VmRSS split as the kernel accounts it (anonymous = heaps; file = mapped node binary/libs). */
  async rssSplitMiB(): Promise<{ rss: number; anon: number; file: number }> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const kib = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
    return { rss: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile') };
  }

  /** utime+stime+cutime+cstime of the daemon (its waited-for children included), in ms. */
  async cpuMs(): Promise<number> {
    const stat = await readFile(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime..cstime are fields 14..17.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  }

  async stop(): Promise<void> {
    await this.proc.stop(5000);
  }
}

/**
 * The daemon's no-op pass on a converged host: `warmup` passes after the start pass are skipped,
 * then `passes` schedule passes are timed (the daemon's own figure) with CPU and metadata requests
 * over the same window; then a separate window of `stracePasses` passes under
 * `strace -f -e trace=execve -p <pid>` counts the programs the daemon started.
 */
export async function measureDaemonNoop(daemon: BenchDaemon, passes: number, stracePasses: number, warmup = 1): Promise<DaemonNoopResult> {
  if (!(await daemon.waitForPasses(1 + warmup, 60_000))) throw new Error(`daemon did not complete ${1 + warmup} passes in 60 s: ${daemon.proc.output().slice(-800)}`);
  const first = daemon.passes.length;
  const cpu0 = await daemon.cpuMs();
  const req0 = await daemon.bench.host.requestCount();
  const t0 = performance.now();
  if (!(await daemon.waitForPasses(first + passes, passes * 3000 + 30_000))) throw new Error(`daemon: only ${daemon.passes.length - first} of ${passes} passes`);
  const windowMs = performance.now() - t0;
  const cpuMs = (await daemon.cpuMs()) - cpu0;
  const requests = (await daemon.bench.host.requestCount()) - req0;
  const window = daemon.passes.slice(first, first + passes);
  const ms = window.map((p) => p.ms);

  // strace window: attach right after a pass ended (the next one is ~1 s away), detach right after
  // the stracePasses-th pass since then ended, so the window holds whole passes only.
  let execve: DaemonNoopResult['execve'];
  if (stracePasses > 0) {
    const log = path.join(daemon.bench.host.tb.tmpDir, 'daemon-strace.log');
    await rm(log, { force: true });
    await daemon.waitForPasses(daemon.passes.length + 1, 10_000);
    const before = daemon.passes.length;
    const strace = execa('strace', ['-f', '-qq', '-o', log, '-e', 'trace=execve', '-e', 'signal=none', '-p', String(daemon.pid)], { reject: false, stdin: 'ignore' });
    try {
      const ok = await daemon.waitForPasses(before + stracePasses, stracePasses * 3000 + 15_000);
      if (!ok) throw new Error('daemon passes stalled under strace');
    } finally {
      strace.kill('SIGINT');
      await strace;
    }
    const counted = daemon.passes.length - before;
    const parsed = parseExecveLog(await readFile(log, 'utf8').catch(() => ''));
    execve = { total: parsed.total, byProgram: parsed.byProgram, passes: counted, perPass: parsed.total / counted };
  }
  return {
    passes: window.length,
    reasons: [...new Set(window.map((p) => p.reasons))],
    changedPasses: window.filter((p) => p.kind === 'changed').length,
    passMs: { median: percentile(ms, 50), p95: percentile(ms, 95), min: Math.min(...ms), max: Math.max(...ms), samples: ms },
    cpuMsPerPass: cpuMs / window.length,
    metadataRequestsPerPass: requests / window.length,
    windowS: windowMs / 1000,
    ...(execve ? { execve } : {}),
  };
}

/**
 * RSS after many passes: SIGHUP (reload config + one reconcile pass) sent to the daemon's pid,
 * the next one as soon as the previous pass ended, until `target` passes since the daemon started
 * or `budgetMs`. Schedule passes that happen meanwhile count too. VmRSS sampled every 100 passes.
 */
export async function rssAfterPasses(daemon: BenchDaemon, target: number, budgetMs: number): Promise<{ passesReached: number; target: number; durationS: number; stoppedBy: 'count' | 'time'; curve: Array<[number, number]> }> {
  const started = performance.now();
  daemon.poll();
  const curve: Array<[number, number]> = [[daemon.passes.length, await daemon.rssMiB()]];
  let nextSample = Math.ceil((daemon.passes.length + 1) / 100) * 100;
  while (daemon.passes.length < target && performance.now() - started < budgetMs) {
    const before = daemon.passes.length;
    daemon.proc.signal('SIGHUP');
    await daemon.waitForPasses(before + 1, 10_000);
    await sleep(2);
    if (daemon.passes.length >= nextSample) {
      curve.push([daemon.passes.length, await daemon.rssMiB()]);
      nextSample += 100;
    }
  }
  // Let a pass still queued finish before the final reading.
  await sleep(500);
  daemon.poll();
  const last = curve[curve.length - 1]!;
  if (last[0] !== daemon.passes.length) curve.push([daemon.passes.length, await daemon.rssMiB()]);
  return {
    passesReached: daemon.passes.length,
    target,
    durationS: (performance.now() - started) / 1000,
    stoppedBy: daemon.passes.length >= target ? 'count' : 'time',
    curve,
  };
}

/** VmRSS of a bare `node -e 'setInterval(()=>{},1000)'` in the guest namespace, for comparison. */
export async function bareNodeRssMiB(bench: BenchHost): Promise<number> {
  const proc = bench.host.tb.spawn(['node', '-e', 'setInterval(()=>{},1000)']);
  try {
    await sleep(1500);
    const status = await readFile(`/proc/${proc.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  } finally {
    await proc.stop(2000);
  }
}
