// Teardown that also happens when a test fails or the run is interrupted.
//
// A testbed registers a synchronous teardown here while it is alive. On process 'exit'
// (including an uncaught exception) and on SIGINT/SIGTERM/SIGHUP every registered teardown runs
// synchronously (execaSync, busy-wait sleeps), then a signal is re-raised when nobody else
// handles it, so the exit status still says "killed by SIGINT".
//
// The teardown itself (teardownSync) is data-driven: pids to kill, namespaces whose
// `ip netns pids` to kill and then delete, directories to remove, and the snapshot of
// dhclient's fixed-path files taken before the run.

import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertOwnedNamespace,
  deleteNamespaceSync,
  killPidsSync,
  listNamespacesSync,
  liveProcesses,
  namespacePidsSync,
  pidAlive,
  setSpawnHook,
} from './netns.js';

export interface TeardownTarget {
  /** Pids the testbed started itself (only those still running are signalled). */
  pids: () => number[];
  /** Testbed-owned namespaces (validated against the eni-vpc-/eni-guest- pattern). */
  namespaces: readonly string[];
  /** Directories removed recursively (temp dirs). */
  dirs: readonly string[];
  /** dhclient fixed-path files that existed before the run; files matching `dhclientFiles` that appeared since are removed. */
  dhclientBefore: ReadonlySet<string>;
  /** Interface names whose /run/dhclient.<if>.pid and /var/lib/dhcp/dhclient*.<if>.leases may be removed. */
  ifnames: () => readonly string[];
}

export interface TeardownReport {
  killed: number[];
  survivors: number[];
  deletedNamespaces: string[];
  removedPaths: string[];
  errors: string[];
}

// ---------------------------------------------------------------------------------------------
// dhclient's fixed paths on the shared filesystem (ifupdown: -pf /run/dhclient.IF.pid
// -lf /var/lib/dhcp/dhclient.IF.leases -df /var/lib/dhcp/dhclient6.IF.leases)

const DHCLIENT_DIRS = ['/run', '/var/lib/dhcp'];
const DHCLIENT_FILE_RE = /^dhclient6?\.(.+)\.(?:pid|leases)$/;

/** Every dhclient pid/lease file present now (absolute paths). */
export function snapshotDhclientFiles(): Set<string> {
  const found = new Set<string>();
  for (const dir of DHCLIENT_DIRS) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (DHCLIENT_FILE_RE.test(name)) found.add(join(dir, name));
  }
  return found;
}

/**
 * Files that appeared since `before`, for the given interface names only, and only those no live
 * process still uses: another testbed running at the same time shares these fixed paths, so a
 * pid file naming a live pid, or a lease file named on a live process's command line, is theirs.
 */
export function newDhclientFiles(before: ReadonlySet<string>, ifnames: readonly string[]): string[] {
  const wanted = new Set(ifnames);
  const candidates = [...snapshotDhclientFiles()].filter((path) => {
    if (before.has(path)) return false;
    const m = DHCLIENT_FILE_RE.exec(path.slice(path.lastIndexOf('/') + 1));
    return m !== null && wanted.has(m[1] ?? '');
  });
  if (candidates.length === 0) return [];
  const inUse = liveCommandLineArgs();
  return candidates.filter((path) => {
    if (inUse.has(path)) return false;
    if (path.endsWith('.pid')) {
      const pid = Number.parseInt(readText(path).trim(), 10);
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) return false;
    }
    return true;
  });
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Every argument of every live process's command line (read-only scan of /proc). */
function liveCommandLineArgs(): Set<string> {
  const args = new Set<string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry) || !pidAlive(Number(entry))) continue;
    for (const arg of readText(`/proc/${entry}/cmdline`).split('\0')) if (arg) args.add(arg);
  }
  return args;
}

// ---------------------------------------------------------------------------------------------

/** Synchronous, idempotent teardown; never throws (errors are collected in the report). */
export function teardownSync(target: TeardownTarget): TeardownReport {
  const report: TeardownReport = { killed: [], survivors: [], deletedNamespaces: [], removedPaths: [], errors: [] };
  const namespaces = target.namespaces.filter((ns) => {
    try {
      assertOwnedNamespace(ns);
      return true;
    } catch (err) {
      report.errors.push(String(err));
      return false;
    }
  });

  // 1. Our own children first, then whatever lives in the namespaces (dhclient forked by ifup,
  //    anything a test started with plain exec). Several rounds: a dying process may fork.
  const own = target.pids().filter(pidAlive);
  report.survivors = killPidsSync(own);
  report.killed.push(...own);
  for (let round = 0; round < 5; round += 1) {
    const inside = namespaces.flatMap((ns) => namespacePidsSync(ns));
    if (inside.length === 0) break;
    report.killed.push(...inside);
    report.survivors = killPidsSync(inside);
  }
  if (report.survivors.length > 0) report.errors.push(`pids still alive: ${report.survivors.join(' ')}`);

  // 2. Namespaces (their veths and bridge go with them), then /etc/netns/<ns>.
  const existing = new Set(listNamespacesSync());
  for (const ns of namespaces) {
    if (existing.has(ns)) {
      const result = deleteNamespaceSync(ns);
      if (result.exitCode === 0) report.deletedNamespaces.push(ns);
      else report.errors.push(`ip netns del ${ns}: ${result.stderr.trim()}`);
    }
    removePath(join('/etc/netns', ns), report);
  }
  if (!etcNetnsExisted) removeEmptyDir('/etc/netns');

  // 3. Temp dirs and dhclient files this run created.
  for (const dir of target.dirs) removePath(dir, report);
  for (const file of newDhclientFiles(target.dhclientBefore, target.ifnames())) removePath(file, report);
  return report;
}

function removePath(path: string, report: TeardownReport): void {
  if (!existsSync(path)) return;
  try {
    rmSync(path, { recursive: true, force: true });
    report.removedPaths.push(path);
  } catch (err) {
    report.errors.push(`rm ${path}: ${String(err)}`);
  }
}

/** Whether /etc/netns existed before this process created any testbed (then it is left alone). */
let etcNetnsExisted = true;

/** Call before the first write under /etc/netns. */
export function noteEtcNetns(): void {
  if (etcNetnsNoted) return;
  etcNetnsNoted = true;
  etcNetnsExisted = existsSync('/etc/netns');
}
let etcNetnsNoted = false;

/** Remove a directory this process created, once it is empty again. */
function removeEmptyDir(path: string): void {
  try {
    if (readdirSync(path).length === 0) rmdirSync(path);
  } catch {
    // absent or not empty
  }
}

// ---------------------------------------------------------------------------------------------
// Process hooks

const registered = new Set<TeardownTarget>();
let hooksInstalled = false;
let exitHookInstalled = false;

export function registerTeardown(target: TeardownTarget): void {
  noteEtcNetns();
  registered.add(target);
  installHooks();
}

export function unregisterTeardown(target: TeardownTarget): void {
  registered.delete(target);
}

/** Number of testbeds still registered (tests assert it drops to 0). */
export function registeredTeardowns(): number {
  return registered.size;
}

/** Tear down every registered testbed and stop every tracked process (sync; used by the hooks). */
export function teardownAllSync(): TeardownReport[] {
  const reports: TeardownReport[] = [];
  for (const target of [...registered]) {
    registered.delete(target);
    reports.push(teardownSync(target));
  }
  const stray = [...liveProcesses].map((p) => p.pid).filter(pidAlive);
  if (stray.length > 0) killPidsSync(stray);
  return reports;
}

function onSignal(sig: NodeJS.Signals): void {
  const reports = teardownAllSync();
  const errors = reports.flatMap((r) => r.errors);
  if (errors.length > 0) process.stderr.write(`testbed cleanup on ${sig}: ${errors.join('; ')}\n`);
  // Then behave as if we had never listened: drop our handlers and re-raise. With no other
  // listener the default action ends the process by the signal; other listeners (execa's
  // signal-exit, which re-raises once it is the only one left) decide for themselves.
  for (const s of HOOKED_SIGNALS) process.removeListener(s, onSignal);
  hooksInstalled = false;
  process.kill(process.pid, sig);
}

const HOOKED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  if (exitHookInstalled) {
    for (const sig of HOOKED_SIGNALS) process.on(sig, onSignal);
    return;
  }
  exitHookInstalled = true;
  process.on('exit', () => {
    if (registered.size === 0 && liveProcesses.size === 0) return;
    const errors = teardownAllSync().flatMap((r) => r.errors);
    if (errors.length > 0) process.stderr.write(`testbed cleanup at exit: ${errors.join('; ')}\n`);
  });
  for (const sig of HOOKED_SIGNALS) process.on(sig, onSignal);
}

setSpawnHook(installHooks);
