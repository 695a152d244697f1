// Per-NIC tuning summary for `eni-agent status`: channels current/max, RX queues, RPS mask(s),
// and what the planner would still change (drift). Pure: built from observe's answer.

import type { Action } from '../model/actions.js';
import { formatMask, parseMask } from './cpus.js';
import { channelSummary, type ChannelShape } from './ethtool.js';
import { planTuning } from './plan.js';
import type { ObservedTuning, TuningConfig, TuningNic } from './types.js';

export interface NicTuningStatus {
  ifname: string;
  present: boolean;
  /** null: the device has no channel parameters, or they were not read. */
  channels: { shape: ChannelShape; current: number; max: number; currentTx?: number; maxTx?: number } | null;
  rxQueues: number;
  /**
   * The RPS mask in shortest form when every queue carries the same one (`0` = RPS off),
   * `mixed` when they differ, null when unreadable or there are no queues.
   */
  rpsMask: string | null;
  /** Per-queue masks as the kernel printed them. */
  rpsMasks: Record<string, string | null>;
  /** Human lines for what a reconcile would change on this NIC; empty = converged. */
  drift: string[];
}

function driftLine(action: Action): string | null {
  switch (action.kind) {
    case 'set-channels':
      return action.shape === 'combined' ? `channels ${action.from} → ${action.to}` : `channels rx ${action.from}/tx ${action.fromTx} → rx ${action.to}/tx ${action.toTx}`;
    case 'write-rps':
      return `${action.queue} rps_cpus ${action.from ?? '-'} → ${action.to}`;
    case 'write-sysfs':
      return `${action.path.split('/').slice(-2).join('/')} ${action.from || '-'} → ${action.to}`;
    default:
      return null;
  }
}

function normalise(mask: string | null): string | null {
  if (mask === null) return null;
  try {
    return formatMask(parseMask(mask));
  } catch {
    return mask;
  }
}

export function tuningStatus(nics: readonly TuningNic[], observed: ObservedTuning, config: TuningConfig): NicTuningStatus[] {
  const { actions } = planTuning(nics, observed, config);
  return nics.map((nic) => {
    const seen = observed.nics.find((n) => n.ifname === nic.ifname);
    const rpsMasks: Record<string, string | null> = {};
    for (const q of seen?.rxQueues ?? []) rpsMasks[q.name] = q.rpsCpus;
    const distinct = new Set((seen?.rxQueues ?? []).map((q) => normalise(q.rpsCpus)));
    const rpsMask = distinct.size === 1 ? [...distinct][0]! : distinct.size > 1 ? 'mixed' : null;
    const drift = actions
      .filter((a) => 'ifname' in a && a.ifname === nic.ifname)
      .map(driftLine)
      .filter((l): l is string => l !== null);
    return {
      ifname: nic.ifname,
      present: seen?.present ?? false,
      channels: seen?.channels ? channelSummary(seen.channels) : null,
      rxQueues: seen?.rxQueues.length ?? 0,
      rpsMask,
      rpsMasks,
      drift,
    };
  });
}

/** One text line per NIC, e.g. `eth1  channels 4/4 (combined)  rx queues 4  rps f`. */
export function formatTuningStatusLine(s: NicTuningStatus): string {
  const ch = s.channels
    ? s.channels.shape === 'combined'
      ? `channels ${s.channels.current}/${s.channels.max} (combined)`
      : `channels rx ${s.channels.current}/${s.channels.max} tx ${s.channels.currentTx}/${s.channels.maxTx}`
    : 'channels -';
  const base = `${s.ifname}  ${s.present ? '' : '(missing)  '}${ch}  rx queues ${s.rxQueues}  rps ${s.rpsMask ?? '-'}`;
  return s.drift.length ? `${base}  drift: ${s.drift.join('; ')}` : base;
}
