// planTuning: (NICs in scope, what observe saw, tuning config) → actions and notes. Pure.
//
// Order: the global RFS table first, then per NIC its channel change, the RPS mask of every RX
// queue it will have, its RFS flow counts; `start-irqbalance` last. Converged input → no actions.

import path from 'node:path';
import { masksEqual } from './cpus.js';
import { channelTarget, rxQueuesAfter } from './ethtool.js';
import { decideRpsMask, rfsSizes } from './rps.js';
import type { ObservedNicTuning, ObservedTuning, TuningAction, TuningConfig, TuningNic, TuningNote, TuningPlan } from './types.js';

/** The NICs the configuration puts in scope (the guide tunes eth0 too: includePrimary defaults to true). */
export function nicsInScope<T extends TuningNic>(nics: readonly T[], config: TuningConfig): T[] {
  return nics.filter((nic) => config.includePrimary || nic.role !== 'primary');
}

function queuePath(observed: ObservedTuning, ifname: string, queue: string, file: string): string {
  return path.posix.join(observed.sysfsRoot, 'class/net', ifname, 'queues', queue, file);
}

export function planTuning(nics: readonly TuningNic[], observed: ObservedTuning, config: TuningConfig): TuningPlan {
  const actions: TuningAction[] = [];
  const notes: TuningNote[] = [];
  const scope = nicsInScope(nics, config);
  const byName = new Map(observed.nics.map((n) => [n.ifname, n] as const));
  const rfs = config.rfs === false ? null : config.rfs;

  if (config.multiqueue && !observed.ethtoolAvailable && scope.length > 0) {
    notes.push({ level: 'warn', code: 'ethtool-missing', message: 'ethtool is not installed: NIC channels (multi-queue) are not tuned' });
  }
  if (observed.onlineCpus === null && scope.length > 0) {
    notes.push({ level: 'warn', code: 'cpus-unknown', message: `cannot read ${observed.sysfsRoot}/devices/system/cpu/online: RPS masks are not tuned` });
  }

  if (rfs && scope.length > 0) {
    const want = rfsSizes(rfs.entries, 1).global;
    if (observed.rpsSockFlowEntries === null) {
      notes.push({ level: 'info', code: 'rfs-unavailable', message: `${observed.rpsSockFlowEntriesPath} does not exist (kernel without RFS, or a network namespace): the global RFS table is not set` });
    } else if (observed.rpsSockFlowEntries !== undefined && observed.rpsSockFlowEntries !== want) {
      actions.push({
        kind: 'write-sysfs',
        path: observed.rpsSockFlowEntriesPath,
        from: String(observed.rpsSockFlowEntries),
        to: String(want),
        why: 'RFS global socket flow table (net.core.rps_sock_flow_entries)',
      });
    }
  }

  for (const nic of scope) {
    const seen = byName.get(nic.ifname);
    if (!seen || !seen.present) {
      notes.push({ level: 'info', code: 'nic-missing', ifname: nic.ifname, message: `${nic.ifname}: not in ${observed.sysfsRoot}/class/net; not tuned` });
      continue;
    }
    const channelAction = config.multiqueue ? planChannels(seen, config, notes) : null;
    if (channelAction) actions.push(channelAction);
    if (observed.onlineCpus === null) continue; // noted once above

    const observedCount = seen.rxQueues.length;
    if (observedCount === 0) {
      notes.push({ level: 'debug', code: 'no-rx-queues', ifname: nic.ifname, message: `${nic.ifname}: no RX queues in sysfs; RPS not tuned` });
      continue;
    }
    const queueCount = rxQueuesAfter(observedCount, channelAction);
    const decision = decideRpsMask(config.rps, observed.onlineCpus, queueCount);
    if (!decision.ok) {
      notes.push({ level: 'warn', code: 'rps-mask-invalid', message: `tuning.rps: ${decision.reason}; RPS masks are not tuned` });
    }
    const sizes = rfs ? rfsSizes(rfs.entries, queueCount) : null;
    const flowActions: TuningAction[] = [];
    for (let index = 0; index < queueCount; index += 1) {
      const queue = `rx-${index}`;
      const q = seen.rxQueues.find((x) => x.name === queue);
      if (decision.ok) {
        if (q && q.rpsCpus === null) {
          notes.push({ level: 'debug', code: 'rps-unreadable', ifname: nic.ifname, message: `${nic.ifname}: ${queue}/rps_cpus unreadable; RPS not tuned on it` });
        } else if (!q || !masksEqual(q.rpsCpus!, decision.text)) {
          actions.push({
            kind: 'write-rps',
            ifname: nic.ifname,
            queue,
            path: q?.rpsCpusPath ?? queuePath(observed, nic.ifname, queue, 'rps_cpus'),
            from: q?.rpsCpus ?? null,
            to: decision.text,
          });
        }
      }
      if (sizes && (!q || q.rpsFlowCnt !== sizes.perQueue)) {
        flowActions.push({
          kind: 'write-sysfs',
          ifname: nic.ifname,
          path: queuePath(observed, nic.ifname, queue, 'rps_flow_cnt'),
          from: q?.rpsFlowCnt === null || q?.rpsFlowCnt === undefined ? '' : String(q.rpsFlowCnt),
          to: String(sizes.perQueue),
          why: `RFS flow count for ${queue} (${rfs!.entries} entries / ${queueCount} RX queues)`,
        });
      }
    }
    actions.push(...flowActions);
  }

  if (config.irqbalance && scope.length > 0 && observed.irqbalance) {
    const irq = observed.irqbalance;
    if (!irq.installed) {
      notes.push({ level: 'info', code: 'irqbalance-not-installed', message: 'irqbalance is not installed (the agent never installs packages); skipped' });
    } else if (!irq.systemd) {
      notes.push({ level: 'info', code: 'irqbalance-no-systemd', message: 'systemd is not running: starting irqbalance skipped' });
    } else if (irq.active !== true) {
      actions.push({ kind: 'start-irqbalance' });
    }
  }

  return { actions, notes: dedupeNotes(notes) };
}

function planChannels(seen: ObservedNicTuning, config: TuningConfig, notes: TuningNote[]): (TuningAction & { kind: 'set-channels' }) | null {
  if (seen.channelsError) {
    notes.push({ level: 'warn', code: 'channels-error', ifname: seen.ifname, message: `${seen.ifname}: ethtool -l failed: ${seen.channelsError}` });
    return null;
  }
  if (seen.channels === undefined) return null; // not observed (ethtool missing: noted once above)
  if (seen.channels === null) {
    notes.push({ level: 'debug', code: 'no-channels', ifname: seen.ifname, message: `${seen.ifname}: no channel parameters (not multi-queue capable)` });
    return null;
  }
  return channelTarget(seen.ifname, seen.channels, config.maxChannels);
}

function dedupeNotes(notes: TuningNote[]): TuningNote[] {
  const seen = new Set<string>();
  return notes.filter((n) => {
    const key = `${n.code}\u0000${n.ifname ?? ''}\u0000${n.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Remembers which notes were already logged, so a daemon logs each once rather than every pass.
 * A note whose condition clears and later returns is logged again.
 */
export class NoteOnce {
  private logged = new Set<string>();

  /** The notes not logged before; forgets notes absent from this pass. */
  fresh(notes: readonly TuningNote[]): TuningNote[] {
    const keys = notes.map((n) => `${n.code}\u0000${n.ifname ?? ''}`);
    const out = notes.filter((_, i) => !this.logged.has(keys[i]!));
    this.logged = new Set(keys);
    return out;
  }
}
