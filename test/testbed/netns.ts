// Low-level network-namespace helpers for the testbed: run a command inside a namespace, read
// `ip -json` output and link counters, start tracked long-lived processes, and the few root
// namespace commands the testbed needs (`ip netns add|del|pids|list`, nothing else).
//
// Every command goes through execa with an argument array (never a shell string).
// Safety: nothing here creates, renames or moves a link in the root namespace. Links are created
// with `ip -n <ns> link add ...`, which fails (and never falls back to the root namespace) when
// the namespace does not exist.

import { execa, execaSync, type ExecaChildProcess } from 'execa';
import { readFileSync } from 'node:fs';

/** Namespace names the testbed creates and is allowed to delete: `eni-vpc-<pid>-<n>`, `eni-guest-<pid>-<n>`. */
export const OWNED_NS_RE = /^eni-(?:vpc|guest)-[0-9]+-[0-9]+$/;

export function isOwnedNamespace(name: string): boolean {
  return OWNED_NS_RE.test(name);
}

export function assertOwnedNamespace(name: string): void {
  if (!isOwnedNamespace(name)) throw new Error(`refusing to touch namespace ${JSON.stringify(name)}: not a testbed namespace`);
}

export interface ExecOptions {
  /** Text written to the command's stdin; otherwise stdin is /dev/null. */
  input?: string;
  /** Default 30 s. The command is killed (SIGTERM, then SIGKILL) when it runs longer. */
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Throw an Error (with stderr) on a non-zero exit instead of returning it. Default false. */
  check?: boolean;
  /**
   * Send stdout/stderr to /dev/null instead of capturing them. Needed for a command that leaves a
   * process behind which keeps its stdout/stderr open (e.g. `setsid -f sleep 600`): a captured
   * pipe stays open until that process dies, and the promise would not resolve until then.
   */
  discardOutput?: boolean;
}

export interface ExecResult {
  command: string[];
  stdout: string;
  stderr: string;
  /** Exit status; -1 when the process could not start, was killed or timed out. */
  exitCode: number;
  timedOut: boolean;
  /** Wall time in milliseconds. */
  durationMs: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class ExecError extends Error {
  constructor(readonly result: ExecResult) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ');
    super(`${result.command.join(' ')} ${result.timedOut ? 'timed out' : `exited ${result.exitCode}`}${tail ? `: ${tail}` : ''}`);
    this.name = 'ExecError';
  }
}

async function runArgv(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty command');
  const started = Date.now();
  const child = await execa(file, args, {
    input: options.input,
    // A command may leave a daemon behind (ifup forks dhclient): stdin must not be a pipe we wait on.
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    stdout: options.discardOutput ? 'ignore' : 'pipe',
    stderr: options.discardOutput ? 'ignore' : 'pipe',
    reject: false,
    env: options.env,
    stripFinalNewline: false,
  });
  const result: ExecResult = {
    command: [...argv],
    stdout: String(child.stdout ?? ''),
    stderr: String(child.stderr ?? '') + (child.exitCode === undefined && !child.timedOut ? `\n${(child as { shortMessage?: string }).shortMessage ?? ''}` : ''),
    exitCode: child.exitCode ?? -1,
    timedOut: Boolean(child.timedOut),
    durationMs: Date.now() - started,
  };
  if (options.check && result.exitCode !== 0) throw new ExecError(result);
  return result;
}

function runArgvSync(argv: readonly string[], timeoutMs = 10_000): ExecResult {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty command');
  const started = Date.now();
  const child = execaSync(file, args, { stdin: 'ignore', timeout: timeoutMs, reject: false, stripFinalNewline: false });
  return {
    command: [...argv],
    stdout: String(child.stdout ?? ''),
    stderr: String(child.stderr ?? ''),
    exitCode: child.exitCode ?? -1,
    timedOut: Boolean(child.timedOut),
    durationMs: Date.now() - started,
  };
}

/** Run `argv` inside network namespace `ns` (`ip netns exec ns ...`). Never throws on a non-zero exit unless `check`. */
export function exec(ns: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  if (!ns) throw new Error('exec: namespace name required');
  return runArgv(['ip', 'netns', 'exec', ns, ...argv], options);
}

/** Like exec() but throws ExecError on a non-zero exit. */
export function execOk(ns: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return exec(ns, argv, { ...options, check: true });
}

/** Run `ip -n ns <args>` (the `ip` process switches into the namespace itself). Throws on failure. */
export function ipIn(ns: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  if (!ns) throw new Error('ipIn: namespace name required');
  return runArgv(['ip', '-n', ns, ...args], { check: true, ...options });
}

/** `ip -json <args>` inside `ns`, parsed. Empty output (nothing matched) is `[]`. */
export async function ipJson<T = Record<string, unknown>[]>(ns: string, args: readonly string[]): Promise<T> {
  const result = await ipIn(ns, ['-json', ...args]);
  const text = result.stdout.trim();
  return (text === '' ? [] : JSON.parse(text)) as T;
}

export interface LinkStats {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
}

interface IpStatsBlock { packets?: number; bytes?: number }
interface IpLinkWithStats { ifname: string; stats64?: { rx?: IpStatsBlock; tx?: IpStatsBlock }; stats?: { rx?: IpStatsBlock; tx?: IpStatsBlock } }

/** rx/tx packet and byte counters of `ifname` in `ns` (from `ip -json -s link show dev`). */
export async function linkStats(ns: string, ifname: string): Promise<LinkStats> {
  const links = await ipJson<IpLinkWithStats[]>(ns, ['-s', 'link', 'show', 'dev', ifname]);
  const link = links[0];
  const stats = link?.stats64 ?? link?.stats;
  if (!link || !stats) throw new Error(`no statistics for ${ifname} in ${ns}`);
  return {
    rxPackets: stats.rx?.packets ?? 0,
    txPackets: stats.tx?.packets ?? 0,
    rxBytes: stats.rx?.bytes ?? 0,
    txBytes: stats.tx?.bytes ?? 0,
  };
}

/** Write sysctls inside `ns` (`ip netns exec ns sysctl -q -w k=v`); the root namespace is never touched. */
export async function setSysctls(ns: string, values: Readonly<Record<string, string | number>>): Promise<void> {
  const pairs = Object.entries(values).map(([k, v]) => `${k}=${v}`);
  if (pairs.length === 0) return;
  await execOk(ns, ['sysctl', '-q', '-w', ...pairs]);
}

// ---------------------------------------------------------------------------------------------
// Long-lived processes

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Keep at most this many bytes of combined output for diagnostics (default 64 KiB). */
  maxOutputBytes?: number;
}

export interface ExitInfo {
  exitCode: number | null;
  signal: string | null;
}

/** A process started inside a namespace and tracked until it exits (its pid is recorded for cleanup). */
export interface TrackedProcess {
  readonly pid: number;
  readonly ns: string;
  readonly argv: readonly string[];
  /** True until the process has exited (and been reaped). */
  readonly running: boolean;
  /** Resolves when the process exits; never rejects. */
  readonly exited: Promise<ExitInfo>;
  /** The last output (stdout and stderr interleaved) kept for diagnostics. */
  output(): string;
  /** Send a signal (only while running). */
  signal(sig: NodeJS.Signals): boolean;
  /** SIGTERM, wait up to `graceMs` (default 3000), then SIGKILL; resolves once it has exited. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

/** Every TrackedProcess still running, for the process-exit hook. */
export const liveProcesses = new Set<TrackedProcess>();

let onFirstSpawn: (() => void) | undefined;
/** cleanup.ts installs its exit/signal hooks through this, so a bare spawnInNs is covered too. */
export function setSpawnHook(hook: () => void): void {
  onFirstSpawn = hook;
}

/**
 * Start `argv` inside `ns` as a long-lived child. `ip netns exec` execs the command in place, so
 * the returned pid is the command's own pid. The pid is tracked until exit; the exit hooks in
 * cleanup.ts kill whatever is still running.
 */
export function spawnInNs(ns: string, argv: readonly string[], options: SpawnOptions = {}): TrackedProcess {
  if (!ns) throw new Error('spawnInNs: namespace name required');
  if (argv.length === 0) throw new Error('spawnInNs: empty command');
  const limit = options.maxOutputBytes ?? 64 * 1024;
  let buffer = '';
  const child: ExecaChildProcess = execa('ip', ['netns', 'exec', ns, ...argv], {
    stdin: 'ignore',
    reject: false,
    buffer: false,
    env: options.env,
    cleanup: true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${argv.join(' ')} in ${ns}`);
  const append = (chunk: Buffer | string): void => {
    buffer += chunk.toString();
    if (buffer.length > limit) buffer = buffer.slice(buffer.length - limit);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let running = true;
  const exited: Promise<ExitInfo> = child.then(
    (r) => ({ exitCode: r.exitCode ?? null, signal: r.signal ?? null }),
    () => ({ exitCode: null, signal: null }),
  ).then((info) => {
    running = false;
    liveProcesses.delete(tracked);
    return info;
  });
  const tracked: TrackedProcess = {
    pid,
    ns,
    argv: [...argv],
    get running() {
      return running;
    },
    exited,
    output: () => buffer,
    signal(sig) {
      if (!running) return false;
      try {
        return process.kill(pid, sig);
      } catch {
        return false;
      }
    },
    async stop(graceMs = 3000) {
      if (!running) return exited;
      tracked.signal('SIGTERM');
      const timer = setTimeout(() => tracked.signal('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  liveProcesses.add(tracked);
  onFirstSpawn?.();
  return tracked;
}

// ---------------------------------------------------------------------------------------------
// Root-namespace commands (namespace bookkeeping only)

/** Names from `ip netns list` (the "(id: N)" suffix dropped). */
export async function listNamespaces(): Promise<string[]> {
  const result = await runArgv(['ip', 'netns', 'list'], { check: true });
  return parseNetnsList(result.stdout);
}

export function listNamespacesSync(): string[] {
  return parseNetnsList(runArgvSync(['ip', 'netns', 'list']).stdout);
}

function parseNetnsList(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
}

/** `ip netns add NAME` for a testbed-owned name. */
export async function addNamespace(name: string): Promise<void> {
  assertOwnedNamespace(name);
  await runArgv(['ip', 'netns', 'add', name], { check: true });
}

/** The pids `ip netns pids` printed, never our own; [] when the namespace does not exist. */
function pidsFrom(result: { exitCode: number; stdout: string }): number[] {
  if (result.exitCode !== 0) return [];
  return result.stdout
    .split(/\s+/)
    .filter((s) => /^[0-9]+$/.test(s))
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

/** Pids whose network namespace is `ns` (`ip netns pids`); [] when the namespace does not exist. */
export function namespacePidsSync(ns: string): number[] {
  return pidsFrom(runArgvSync(['ip', 'netns', 'pids', ns]));
}

export async function namespacePids(ns: string): Promise<number[]> {
  return pidsFrom(await runArgv(['ip', 'netns', 'pids', ns]));
}

/** `ip netns del NAME` for a testbed-owned name; returns the result (non-zero when already gone). */
export function deleteNamespaceSync(name: string): ExecResult {
  assertOwnedNamespace(name);
  return runArgvSync(['ip', 'netns', 'del', name]);
}

/** Alive means: exists and is not a zombie (a zombie holds no namespace and cannot be killed). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SIGTERM each pid, wait up to `graceMs`, SIGKILL the survivors, wait again. Synchronous so it can
 * run from a process 'exit' hook. Returns the pids still alive at the end (should be empty).
 */
export function killPidsSync(pids: Iterable<number>, graceMs = 3000): number[] {
  const targets = [...new Set(pids)].filter((pid) => pid > 1 && pid !== process.pid);
  const signalAll = (sig: NodeJS.Signals): void => {
    for (const pid of targets) {
      if (!pidAlive(pid)) continue;
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  const waitGone = (ms: number): number[] => {
    const deadline = Date.now() + ms;
    let alive = targets.filter(pidAlive);
    while (alive.length > 0 && Date.now() < deadline) {
      sleepSync(25);
      alive = alive.filter(pidAlive);
    }
    return alive;
  };
  signalAll('SIGTERM');
  if (waitGone(graceMs).length === 0) return [];
  signalAll('SIGKILL');
  return waitGone(2000);
}
