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
  daemon: { measured: boolean; note: string; hotplugMs?: number; rssMiB?: number };
  targets: TargetResult[];
  durationS: number;
  /** git HEAD of the measured tree ('+dirty': uncommitted changes under src/). */
  commit: string;
}
