// Shape of bench/results/<date>.json.

import type { ExecveCount, Summary } from './measure.js';
import type { KernelState } from './testbed.js';

export interface PassStats {
  wallMs: Summary;
  cpuMs: Summary;
  /** Metadata requests seen by the fake server per pass (median over repetitions). */
  metadataRequests: number;
  /** Agent only: processes its runner started (median over repetitions). */
  runnerSpawns?: number;
  /** One extra run under strace -f: programs execve'd in the whole tree. */
  execve?: ExecveCount;
}

export interface SideResult {
  cold: PassStats;
  noop: PassStats;
}

export interface ConfigResult {
  n: number;
  m: number;
  addressing: 'static' | 'dhcp';
  baseline: SideResult;
  /** Default config (tuning.multiqueue: true). */
  agent: SideResult;
  /** Only when the default blew the no-op spawn target: tuning.multiqueue: false. */
  agentNoMultiqueue?: SideResult;
  sameKernelState: boolean;
  kernelStateDiff: string[];
  baselineIdempotent: boolean;
  agentIdempotent: boolean;
  kernelState: KernelState;
  /** `eni-agent daemon` on the same converged host: its schedule's no-op passes. */
  daemonNoop?: DaemonNoopResult;
  /** Set when the daemon measurement failed for this cell. */
  daemonNoopError?: string;
  /** Only in the cell chosen for it: RSS after many (SIGHUP-triggered) passes. */
  daemonRss?: DaemonRssResult;
}

export interface DaemonNoopResult {
  /** Passes measured (after the start pass and warm-up). */
  passes: number;
  /** Triggers of the measured passes as the daemon logged them (expected: schedule). */
  reasons: string[];
  /** Passes in the window that applied something (expected 0: converged host). */
  changedPasses: number;
  /** The daemon's own per-pass figure (`pass: nothing to do (N ms)`). */
  passMs: { median: number; p95: number; min: number; max: number; samples: number[] };
  /** Daemon CPU (utime+stime incl. waited-for children, /proc/<pid>/stat) over the window ÷ passes. */
  cpuMsPerPass: number;
  metadataRequestsPerPass: number;
  windowS: number;
  /** Programs started by the daemon during a separate `strace -f -p` window of whole passes. */
  execve?: { total: number; byProgram: Record<string, number>; passes: number; perPass: number };
}

export interface DaemonRssResult {
  cell: string;
  passesReached: number;
  target: number;
  durationS: number;
  stoppedBy: 'count' | 'time';
  /** [passes since the daemon started, VmRSS MiB]. */
  curve: Array<[number, number]>;
  rssMiB: number;
}

export interface StartupResult {
  command: string;
  wallMs: Summary;
  cpuMs: Summary;
  runnerSpawns?: number;
  metadataRequests?: number;
  /** `status` only: programs started, from one run under strace. */
  execve?: ExecveCount;
}

export interface TargetResult {
  target: string;
  met: boolean | undefined;
  detail: string;
}

export interface BenchResults {
  date: string;
  mode: 'quick' | 'full';
  addressing: 'static' | 'dhcp';
  addressingNote?: string;
  coldReps: number;
  noopReps: number;
  machine: { nproc: number; memoryGiB: number; kernel: string; node: string; cpuModel: string; os: string };
  configs: ConfigResult[];
  startup: StartupResult[];
  daemon: {
    measured: boolean;
    note: string;
    /** Median hot-plug latency (kept for older readers; see hotplug). */
    hotplugMs?: number;
    /** VmRSS 5 s after start, before any hot-plug. */
    rssMiB?: number;
    /** Every attachment: veth added + metadata updated → its policy rule present. */
    hotplug?: { samples: number[]; p50: number; p95: number; max: number };
    /** VmRSS of a bare `node -e 'setInterval(()=>{},1000)'` in the same namespace. */
    bareNodeRssMiB?: number;
  };
  targets: TargetResult[];
  durationS: number;
  /** git HEAD of the measured tree ('+dirty': uncommitted changes under src/). */
  commit: string;
}
