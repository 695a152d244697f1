// The seam between a reconcile pass and NIC tuning (queues, RPS, irqbalance): the pass hands
// over the bound NICs and gets tuning actions back, then asks for them to be applied.

import type { Action } from '../model/actions.js';
import type { DesiredState } from '../model/types.js';
import type { Outcome } from './apply.js';

/** A note about tuning (irqbalance skipped, no channels) with the level it deserves. */
export interface TuningNoteLine {
  level: 'debug' | 'info' | 'warn';
  message: string;
}

export interface TuningHooks {
  plan(desired: DesiredState): Promise<{ actions: Action[]; notes: TuningNoteLine[] }>;
  apply(actions: Action[]): Promise<Outcome[]>;
}
