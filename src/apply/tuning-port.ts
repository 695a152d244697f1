// The seam between a reconcile pass and NIC tuning (queues, RPS, irqbalance): the pass hands
// over the bound NICs and gets tuning actions back, then asks for them to be applied.

import type { Action } from '../model/actions.js';
import type { DesiredState } from '../model/types.js';
import type { Outcome } from './apply.js';

export interface TuningHooks {
  plan(desired: DesiredState): Promise<{ actions: Action[]; notes: string[] }>;
  apply(actions: Action[]): Promise<Outcome[]>;
}
