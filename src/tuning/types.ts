// What observe reports and plan consumes: plain data, easy to build by hand in tests.

import type { Config } from '../config/config.js';
import type { Action } from '../model/actions.js';
import type { DesiredNic } from '../model/types.js';
import type { ChannelInfo } from './ethtool.js';

export type TuningConfig = Config['tuning'];

/** A NIC in scope for tuning; DesiredNic fits. */
export type TuningNic = Pick<DesiredNic, 'ifname' | 'role'>;

export interface ObservedRxQueue {
  /** `rx-0`, `rx-1`, … */
  name: string;
  index: number;
  /** Full path of the queue's rps_cpus file (under the sysfs root observe was given). */
  rpsCpusPath: string;
  /** As read (trimmed); null when unreadable (kernel without RPS, permission). */
  rpsCpus: string | null;
  rpsFlowCnt: number | null;
}

export interface ObservedNicTuning {
  ifname: string;
  /** The interface exists under `<sysfs>/class/net`. */
  present: boolean;
  /** Channel parameters; null = the device has none (unsupported); undefined = not read. */
  channels?: ChannelInfo | null;
  /** Why reading the channels failed (other than "not supported" and a missing ethtool). */
  channelsError?: string;
  /** RX queues in index order. */
  rxQueues: ObservedRxQueue[];
  /** Counts of rx-N and tx-N directories when channels were wanted (the key for remembered channels). */
  queueCounts?: { rx: number; tx: number };
}

export interface ObservedIrqbalance {
  /** The binary is on PATH or at /usr/sbin/irqbalance. */
  installed: boolean;
  /** systemd is PID 1 (`/run/systemd/system` exists). */
  systemd: boolean;
  /** `systemctl is-active irqbalance` said `active`; null when not asked (no systemd / not installed). */
  active: boolean | null;
}

export interface ObservedTuning {
  sysfsRoot: string;
  procRoot: string;
  /** Online CPUs; null when `<sysfs>/devices/system/cpu/online` could not be read. */
  onlineCpus: number[] | null;
  /** False when the ethtool binary is missing (channels then unobserved for every NIC). */
  ethtoolAvailable: boolean;
  nics: ObservedNicTuning[];
  /** Undefined when not observed (tuning.irqbalance off). */
  irqbalance?: ObservedIrqbalance;
  /** `net.core.rps_sock_flow_entries`; null when the file is missing (inside a netns it is). Undefined = not read. */
  rpsSockFlowEntries?: number | null;
  /** Path of that sysctl file (under the proc root observe was given). */
  rpsSockFlowEntriesPath: string;
}

/**
 * Something the caller should log (once, not on every pass — see NoteOnce). `code` is stable;
 * `ifname` present when it concerns one NIC.
 */
export interface TuningNote {
  level: 'debug' | 'info' | 'warn';
  code:
    | 'ethtool-missing'
    | 'no-channels'
    | 'channels-error'
    | 'nic-missing'
    | 'no-rx-queues'
    | 'cpus-unknown'
    | 'rps-mask-invalid'
    | 'rps-unreadable'
    | 'rfs-unavailable'
    | 'irqbalance-not-installed'
    | 'irqbalance-no-systemd';
  ifname?: string;
  message: string;
}

/** The Action variants this module plans and applies. */
export type TuningAction = Extract<Action, { kind: 'set-channels' | 'write-rps' | 'write-sysfs' | 'start-irqbalance' }>;

export interface TuningPlan {
  actions: TuningAction[];
  notes: TuningNote[];
}
