// Measurement primitives for the benchmark: one timed command inside the guest namespace
// (wall + CPU of the whole process tree), execve counting under strace, and a kernel-state
// snapshot used to check that the agent and the baseline converge to the same state.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface Timed {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Wall time of the command (bash `time` %3R: ms resolution, includes `ip netns exec`). */
  wallMs: number;
  /**
   * user+sys CPU of the command and every descendant it waited for (bash `time` %3U+%3S, i.e.
   * getrusage(RUSAGE_CHILDREN) of the wrapper shell; ms resolution). Daemons left running (none
   * with static addressing) would not be included.
   */
  cpuMs: number;
  userMs: number;
  sysMs: number;
}

// The wrapper: bash times "$@" (ip netns exec NS cmd...) with the `time` keyword, which reports
// from wait4/getrusage of the terminated child tree; the command's own output goes to files.
const TIME_WRAPPER = 'TIMEFORMAT="%3R %3U %3S"; { time "$@" >"$BENCH_OUT" 2>"$BENCH_ERR"; } 2>"$BENCH_TIME"';

let scratch: string | undefined;
async function scratchDir(): Promise<string> {
  scratch ??= await mkdtemp(path.join(tmpdir(), 'eni-bench-'));
  return scratch;
}

export async function removeScratch(): Promise<void> {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
}

/** Run argv inside namespace `ns` and time it. */
export async function timedInNs(ns: string, argv: readonly string[], env: Record<string, string> = {}, timeoutMs = 600_000): Promise<Timed> {
  const dir = await scratchDir();
  const files = { BENCH_OUT: path.join(dir, 'out'), BENCH_ERR: path.join(dir, 'err'), BENCH_TIME: path.join(dir, 'time') };
  const child = await execa('bash', ['-c', TIME_WRAPPER, '_', 'ip', 'netns', 'exec', ns, ...argv], {
    env: { ...env, ...files },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: timeoutMs,
  });
  const timeText = (await readFile(files.BENCH_TIME, 'utf8').catch(() => '')).trim().split('\n').pop() ?? '';
  const [real, user, sys] = timeText.split(/\s+/).map(Number);
  if (real === undefined || user === undefined || sys === undefined || [real, user, sys].some(Number.isNaN)) {
    throw new Error(`could not read timing for ${argv.join(' ')}: ${JSON.stringify(timeText)} ${child.stderr}`);
  }
  return {
    exitCode: child.exitCode ?? -1,
    stdout: await readFile(files.BENCH_OUT, 'utf8').catch(() => ''),
    stderr: await readFile(files.BENCH_ERR, 'utf8').catch(() => ''),
    wallMs: Math.round(real * 1000),
    userMs: Math.round(user * 1000),
    sysMs: Math.round(sys * 1000),
    cpuMs: Math.round((user + sys) * 1000),
  };
}

export interface ExecveCount {
  /** Successful execve calls in the whole process tree, the root command included. */
  total: number;
  /** The same, by program basename. */
  byProgram: Record<string, number>;
  exitCode: number;
}

/**
 * Run argv inside `ns` under `strace -f -e trace=execve` and count the programs started
 * (successful execve; failed PATH probes are not counted). A separate run from the timed ones:
 * ptrace slows every fork down.
 */
export async function countExecve(ns: string, argv: readonly string[], env: Record<string, string> = {}): Promise<ExecveCount> {
  const dir = await scratchDir();
  const log = path.join(dir, 'strace.log');
  await rm(log, { force: true });
  const child = await execa('ip', ['netns', 'exec', ns, 'strace', '-f', '-qq', '-o', log, '-e', 'trace=execve', '-e', 'signal=none', ...argv], {
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 600_000,
  });
  const parsed = parseExecveLog(await readFile(log, 'utf8').catch(() => ''));
  return { ...parsed, exitCode: child.exitCode ?? -1 };
}

/** Count successful execve calls in an `strace -f -e trace=execve` log, by program basename. */
export function parseExecveLog(text: string): { total: number; byProgram: Record<string, number> } {
  const byProgram: Record<string, number> = {};
  let total = 0;
  const count = (program: string): void => {
    total += 1;
    const name = path.basename(program);
    byProgram[name] = (byProgram[name] ?? 0) + 1;
  };
  // With -f, concurrent processes split a call in two lines:
  //   `PID execve("/usr/bin/ip", [...] <unfinished ...>` ... `PID <... execve resumed>) = 0`.
  const pending = new Map<string, string>();
  for (const line of text.split('\n')) {
    const whole = /^(\d+)\s+execve\("([^"]+)".*\)\s+=\s+0\s*$/.exec(line);
    if (whole) {
      count(whole[2]!);
      continue;
    }
    const unfinished = /^(\d+)\s+execve\("([^"]+)".*<unfinished \.\.\.>\s*$/.exec(line);
    if (unfinished) {
      pending.set(unfinished[1]!, unfinished[2]!);
      continue;
    }
    const resumed = /^(\d+)\s+<\.\.\. execve resumed>.*\)\s+=\s+(-?\d+)/.exec(line);
    if (resumed) {
      const program = pending.get(resumed[1]!);
      pending.delete(resumed[1]!);
      if (program !== undefined && resumed[2] === '0') count(program);
    }
  }
  return { total, byProgram };
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN, samples };
}
