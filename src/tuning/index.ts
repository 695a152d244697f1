// NIC queue tuning (guide section 5): multi-queue channels, irqbalance, RPS/RFS.
//
//   const observed = await observeTuning(nics.map((n) => n.ifname), { runner, config: cfg.tuning });
//   const { actions, notes } = planTuning(nics, observed, cfg.tuning);   // pure; [] = converged
//   const results = await applyTuning(actions, { runner });               // never throws per NIC

export * from './types.js';
export * from './ethtool.js';
export * from './cpus.js';
export * from './rps.js';
export * from './observe.js';
export * from './plan.js';
export * from './apply.js';
export * from './status.js';
export * from './netns.js';
