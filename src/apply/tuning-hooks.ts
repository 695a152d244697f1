// Wires the tuning module (observe → plan → apply) into a reconcile pass through TuningHooks.
// Notes (irqbalance skipped, no channels) go back to the pass, which logs them; a daemon passes
// each note once through NoteOnce so a quiet pass stays quiet.

import type { Config } from '../config/config.js';
import type { CommandRunner } from '../exec/runner.js';
import { applyTuning, isTuningAction, NoteOnce, observeTuning, planTuning } from '../tuning/index.js';
import type { TuningHooks } from './tuning-port.js';

export function tuningHooksFor(config: Config['tuning'], runner: CommandRunner, notes = new NoteOnce()): TuningHooks {
  return {
    async plan(desired) {
      const nics = desired.nics.map((n) => ({ ifname: n.ifname, role: n.role }));
      const observed = await observeTuning(
        nics.map((n) => n.ifname),
        { runner, config },
      );
      const plan = planTuning(nics, observed, config);
      const fresh = notes.fresh(plan.notes).map((n) => ({ level: n.level, message: n.ifname ? `${n.ifname}: ${n.message}` : n.message }));
      return { actions: plan.actions, notes: fresh };
    },
    async apply(actions) {
      const results = await applyTuning(actions.filter(isTuningAction), { runner });
      return results.map((r) => ({ action: r.action, error: r.ok ? undefined : (r.error ?? 'failed') }));
    },
  };
}
