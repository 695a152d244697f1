// observeTuning (edge): read what the tuning planner needs — channels (`ethtool -l` through the
// CommandRunner), RX queues and their rps_cpus / rps_flow_cnt under a sysfs root, the online
// CPUs, the RFS sysctl under a proc root, and irqbalance's state.
//
// The roots are parameters so tests can point at a fake tree, and an in-process test can point
// at a sysfs mounted from inside a network namespace (see netns.ts).

import { access, readFile, readdir, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { CommandError, type CommandRunner } from '../exec/runner.js';
import { parseCpuList } from './cpus.js';
import { isChannelsUnsupported, parseEthtoolChannels, type ChannelInfo } from './ethtool.js';
import type { ObservedIrqbalance, ObservedNicTuning, ObservedRxQueue, ObservedTuning, TuningConfig } from './types.js';
import { exists } from '../files/atomic.js';

export interface ObserveTuningOptions {
  runner: CommandRunner;
  /** Default `/sys`. */
  sysfsRoot?: string;
  /** Default `/proc`. */
  procRoot?: string;
  /** Prefix for `/run/systemd/system` and `/usr/sbin/irqbalance`; default `/`. */
  hostRoot?: string;
  /** PATH searched for irqbalance; default process.env.PATH. */
  pathEnv?: string;
  /** When given, parts it disables are not observed (no ethtool with multiqueue off, …). */
  config?: TuningConfig;
  timeoutMs?: number;
  /**
   * Channel facts remembered from an earlier `ethtool -l`, keyed by what sysfs shows now (RX
   * and TX queue counts). Returning a ChannelInfo (or null: no channels) skips the spawn; a
   * converged pass then reads queues from sysfs only. `undefined` means ask ethtool.
   */
  rememberedChannels?: (ifname: string, queues: QueueCounts) => ChannelInfo | null | undefined;
}

/** How many rx-* and tx-* queue directories a NIC has in sysfs right now. */
export interface QueueCounts {
  rx: number;
  tx: number;
}

async function countQueues(sysfsRoot: string, ifname: string): Promise<QueueCounts> {
  try {
    const entries = await readdir(path.posix.join(sysfsRoot, 'class/net', ifname, 'queues'));
    return { rx: entries.filter((e) => e.startsWith('rx-')).length, tx: entries.filter((e) => e.startsWith('tx-')).length };
  } catch {
    return { rx: 0, tx: 0 };
  }
}

const COMMAND_TIMEOUT_MS = 10_000;

async function readTrim(file: string): Promise<string | null> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return null;
  }
}


/** The command did not start because the binary is missing (directly, or behind `ip netns exec`). */
function isMissingBinary(exitCode: number, output: string, timedOut: boolean): boolean {
  if (timedOut) return false;
  return exitCode === -1 || exitCode === 127 || /exec of "[^"]*" failed: No such file|command not found|could not start|ENOENT/i.test(output);
}

type ChannelRead = { kind: 'ok'; channels: ObservedNicTuning['channels'] } | { kind: 'missing' } | { kind: 'error'; message: string };

async function readChannels(runner: CommandRunner, ifname: string, timeoutMs: number): Promise<ChannelRead> {
  try {
    const result = await runner.run(['ethtool', '-l', ifname], { allowFailure: true, timeoutMs });
    const output = `${result.stdout}\n${result.stderr}`;
    if (result.exitCode === 0) return { kind: 'ok', channels: parseEthtoolChannels(output) };
    if (isChannelsUnsupported(output)) return { kind: 'ok', channels: null };
    if (isMissingBinary(result.exitCode, output, result.timedOut)) return { kind: 'missing' };
    const detail = output.trim().split('\n').slice(-1)[0] ?? '';
    return { kind: 'error', message: result.timedOut ? 'timed out' : `exit ${result.exitCode}: ${detail}` };
  } catch (error) {
    if (error instanceof CommandError && isMissingBinary(error.result.exitCode, `${error.result.stdout}\n${error.result.stderr}`, error.result.timedOut)) {
      return { kind: 'missing' };
    }
    return { kind: 'error', message: (error as Error).message };
  }
}

async function readRxQueues(sysfsRoot: string, ifname: string): Promise<ObservedRxQueue[]> {
  const dir = path.posix.join(sysfsRoot, 'class/net', ifname, 'queues');
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return [];
  }
  const queues = entries
    .map((name) => ({ name, m: /^rx-(\d+)$/.exec(name) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null)
    .map((e) => ({ name: e.name, index: Number.parseInt(e.m[1]!, 10) }))
    .sort((a, b) => a.index - b.index);
  return Promise.all(
    queues.map(async (q) => {
      const rpsCpusPath = path.posix.join(dir, q.name, 'rps_cpus');
      const flow = await readTrim(path.posix.join(dir, q.name, 'rps_flow_cnt'));
      const flowNum = flow !== null && /^\d+$/.test(flow) ? Number.parseInt(flow, 10) : null;
      return { name: q.name, index: q.index, rpsCpusPath, rpsCpus: await readTrim(rpsCpusPath), rpsFlowCnt: flowNum };
    }),
  );
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function observeIrqbalance(runner: CommandRunner, hostRoot: string, pathEnv: string, timeoutMs: number): Promise<ObservedIrqbalance> {
  const candidates = [...pathEnv.split(':').filter((d) => d.startsWith('/')), '/usr/sbin'].map((d) => path.posix.join(hostRoot, d, 'irqbalance'));
  let installed = false;
  for (const candidate of new Set(candidates)) {
    if (await isExecutable(candidate)) {
      installed = true;
      break;
    }
  }
  const systemd = await exists(path.posix.join(hostRoot, 'run/systemd/system'));
  if (!installed || !systemd) return { installed, systemd, active: null };
  try {
    const result = await runner.run(['systemctl', 'is-active', 'irqbalance'], { allowFailure: true, timeoutMs });
    return { installed, systemd, active: result.exitCode === 0 && result.stdout.trim() === 'active' };
  } catch {
    return { installed, systemd, active: false };
  }
}

export async function observeTuning(ifnames: readonly string[], options: ObserveTuningOptions): Promise<ObservedTuning> {
  const sysfsRoot = options.sysfsRoot ?? '/sys';
  const procRoot = options.procRoot ?? '/proc';
  const hostRoot = options.hostRoot ?? '/';
  const timeoutMs = options.timeoutMs ?? COMMAND_TIMEOUT_MS;
  const config = options.config;
  const wantChannels = config?.multiqueue ?? true;
  const wantIrq = config?.irqbalance ?? true;
  const wantRfs = config ? config.rfs !== false : true;
  const rfsPath = path.posix.join(procRoot, 'sys/net/core/rps_sock_flow_entries');

  const cpuText = await readTrim(path.posix.join(sysfsRoot, 'devices/system/cpu/online'));
  let onlineCpus: number[] | null = null;
  if (cpuText !== null) {
    try {
      onlineCpus = parseCpuList(cpuText);
      if (onlineCpus.length === 0) onlineCpus = null;
    } catch {
      onlineCpus = null;
    }
  }

  let ethtoolAvailable = true;
  const nics = await Promise.all(
    ifnames.map(async (ifname): Promise<ObservedNicTuning> => {
      // a kernel interface name: 1-15 bytes, no '/', no whitespace, not '.' or '..'
      const valid = /^[^/\s]{1,15}$/.test(ifname) && ifname !== '.' && ifname !== '..';
      const present = valid && (await exists(path.posix.join(sysfsRoot, 'class/net', ifname)));
      const nic: ObservedNicTuning = { ifname, present, rxQueues: [] };
      if (!present) return nic;
      nic.rxQueues = await readRxQueues(sysfsRoot, ifname);
      if (wantChannels) {
        nic.queueCounts = await countQueues(sysfsRoot, ifname);
        const remembered = options.rememberedChannels?.(ifname, nic.queueCounts);
        if (remembered !== undefined) {
          nic.channels = remembered;
          return nic;
        }
        const read = await readChannels(options.runner, ifname, timeoutMs);
        if (read.kind === 'ok') nic.channels = read.channels;
        else if (read.kind === 'missing') ethtoolAvailable = false;
        else nic.channelsError = read.message;
      }
      return nic;
    }),
  );
  if (!ethtoolAvailable) {
    for (const nic of nics) {
      delete nic.channels;
      delete nic.channelsError;
    }
  }

  const observed: ObservedTuning = {
    sysfsRoot,
    procRoot,
    onlineCpus,
    ethtoolAvailable,
    nics,
    rpsSockFlowEntriesPath: rfsPath,
  };
  if (wantRfs) {
    const text = await readTrim(rfsPath);
    observed.rpsSockFlowEntries = text !== null && /^\d+$/.test(text) ? Number.parseInt(text, 10) : null;
  }
  if (wantIrq) {
    observed.irqbalance = await observeIrqbalance(options.runner, hostRoot, options.pathEnv ?? process.env.PATH ?? '', timeoutMs);
  }
  return observed;
}
