// The typed steps a plan is made of. The planner emits them; the applier executes them;
// `--dry-run` prints them. Each names the interface it serves so failures stay per NIC.

import type { KernelRoute, KernelRule } from './types.js';

export type Action =
  | { kind: 'write-file'; ifname?: string; path: string; content: string; mode: number; reason: 'create' | 'update' }
  | { kind: 'remove-file'; ifname?: string; path: string }
  | { kind: 'ifup'; ifname: string; configPath: string }
  | { kind: 'ifdown'; ifname: string; configPath: string }
  | { kind: 'add-address'; ifname: string; address: string; prefixLength: number; label?: string }
  | { kind: 'del-address'; ifname: string; address: string; prefixLength: number }
  | { kind: 'add-route'; ifname?: string; route: KernelRoute }
  | { kind: 'del-route'; ifname?: string; route: KernelRoute }
  | { kind: 'add-rule'; ifname?: string; rule: KernelRule }
  | { kind: 'del-rule'; ifname?: string; rule: KernelRule }
  | { kind: 'set-channels'; ifname: string; shape: 'combined' | 'rx-tx'; from: number; to: number }
  | { kind: 'write-rps'; ifname: string; queue: string; path: string; from: string; to: string }
  | { kind: 'write-sysfs'; ifname?: string; path: string; from: string; to: string; why: string }
  | { kind: 'start-irqbalance' };

export type ActionKind = Action['kind'];

/** Kernel mutations that can travel together in one `ip -batch -`. */
export const IP_BATCH_KINDS: ReadonlySet<ActionKind> = new Set<ActionKind>([
  'add-address',
  'del-address',
  'add-route',
  'del-route',
  'add-rule',
  'del-rule',
]);
