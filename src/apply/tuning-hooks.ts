// Wires the tuning module (observe → plan → apply) into a reconcile pass through TuningHooks.
// Notes (irqbalance skipped, no channels) go back to the pass, which logs them; a daemon passes
// each note once through NoteOnce so a quiet pass stays quiet.
//
// `ethtool -l` costs a process per NIC. Its answer only changes when the queue count does, so
// it is remembered per NIC (by MAC and the rx/tx queue counts sysfs shows) in the state
// directory: a converged pass then spawns no ethtool at all.

import type { Config } from '../config/config.js';
import type { CommandRunner } from '../exec/runner.js';
import { readTextIfExists, writeAtomic } from '../files/atomic.js';
import type { ChannelInfo } from '../tuning/ethtool.js';
import { applyTuning, isTuningAction, NoteOnce, observeTuning, planTuning } from '../tuning/index.js';
import type { TuningHooks } from './tuning-port.js';

interface RememberedChannels {
  mac: string;
  rx: number;
  tx: number;
  channels: ChannelInfo | null;
}

type ChannelMemory = Record<string, RememberedChannels>;

async function loadMemory(file: string | undefined): Promise<ChannelMemory> {
  if (!file) return {};
  try {
    const value: unknown = JSON.parse((await readTextIfExists(file)) ?? '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as ChannelMemory) : {};
  } catch {
    return {};
  }
}

export function tuningHooksFor(config: Config['tuning'], runner: CommandRunner, options: { notes?: NoteOnce; channelCacheFile?: string } = {}): TuningHooks {
  const notes = options.notes ?? new NoteOnce();
  let memory: ChannelMemory | undefined;
  return {
    async plan(desired) {
      memory ??= await loadMemory(options.channelCacheFile);
      const known = memory;
      const macOf = new Map(desired.nics.map((n) => [n.ifname, n.mac]));
      const nics = desired.nics.map((n) => ({ ifname: n.ifname, role: n.role }));
      const observed = await observeTuning(
        nics.map((n) => n.ifname),
        {
          runner,
          config,
          rememberedChannels: (ifname, queues) => {
            const entry = known[ifname];
            const fresh = entry && entry.mac === macOf.get(ifname) && entry.rx === queues.rx && entry.tx === queues.tx;
            return fresh ? entry.channels : undefined;
          },
        },
      );
      let changed = false;
      for (const nic of observed.nics) {
        const mac = macOf.get(nic.ifname);
        if (!mac || !nic.queueCounts || nic.channels === undefined) continue;
        const entry: RememberedChannels = { mac, rx: nic.queueCounts.rx, tx: nic.queueCounts.tx, channels: nic.channels };
        if (JSON.stringify(known[nic.ifname]) !== JSON.stringify(entry)) {
          known[nic.ifname] = entry;
          changed = true;
        }
      }
      if (changed && options.channelCacheFile) await writeAtomic(options.channelCacheFile, `${JSON.stringify(known, null, 2)}\n`, 0o644);
      const plan = planTuning(nics, observed, config);
      const fresh = notes.fresh(plan.notes).map((n) => ({ level: n.level, message: n.ifname ? `${n.ifname}: ${n.message}` : n.message }));
      return { actions: plan.actions, notes: fresh };
    },
    async apply(actions) {
      const results = await applyTuning(actions.filter(isTuningAction), { runner });
      // A channel change we made moves the queue counts; remember the new state under the new
      // counts so the next (converged) pass needs no ethtool. A wrong guess only costs a re-read.
      let changed = false;
      for (const r of results) {
        const entry = memory?.[r.action.kind === 'set-channels' ? r.action.ifname : ''];
        if (!r.ok || r.action.kind !== 'set-channels' || !entry?.channels) continue;
        const rx = r.action.to;
        const tx = r.action.shape === 'combined' ? r.action.to : (r.action.toTx ?? r.action.to);
        const current = r.action.shape === 'combined' ? { ...entry.channels.current, combined: rx } : { ...entry.channels.current, rx, tx };
        memory![r.action.ifname] = { ...entry, rx, tx, channels: { ...entry.channels, current } };
        changed = true;
      }
      if (changed && options.channelCacheFile) await writeAtomic(options.channelCacheFile, `${JSON.stringify(memory, null, 2)}\n`, 0o644);
      return results.map((r) => ({ action: r.action, error: r.ok ? undefined : (r.error ?? 'failed') }));
    },
  };
}
