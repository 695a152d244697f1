// Wires the tuning module (observe → plan → apply) into a reconcile pass through TuningHooks.
// Notes (irqbalance skipped, no channels) are logged at their own level; a daemon logs each
// once through NoteOnce so a quiet pass stays quiet.

import type { Config } from '../config/config.js';
import type { CommandRunner } from '../exec/runner.js';
import type { Logger } from '../log.js';
import { applyTuning, isTuningAction, NoteOnce, observeTuning, planTuning } from '../tuning/index.js';
import type { TuningHooks } from './tuning-port.js';

export function tuningHooksFor(config: Config['tuning'], runner: CommandRunner, logger: Logger, notes = new NoteOnce()): TuningHooks {
  return {
    async plan(desired) {
      const nics = desired.nics.map((n) => ({ ifname: n.ifname, role: n.role }));
      const observed = await observeTuning(
        nics.map((n) => n.ifname),
        { runner, config },
      );
      const plan = planTuning(nics, observed, config);
      for (const note of notes.fresh(plan.notes)) logger.log(note.level, note.message, note.ifname ? { ifname: note.ifname } : {});
      return { actions: plan.actions, notes: [] };
    },
    async apply(actions) {
      const results = await applyTuning(actions.filter(isTuningAction), { runner });
      return results.map((r) => ({ action: r.action, error: r.ok ? undefined : (r.error ?? 'failed') }));
    },
  };
}
