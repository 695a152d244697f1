// The typed steps a plan is made of. The planner emits them; the applier executes them;
// `--dry-run` prints them. Each names the interface it serves so failures stay per NIC.

import type { KernelRoute, KernelRule } from './types.js';

export type Action =
  | { kind: 'write-file'; ifname?: string; path: string; content: string; mode: number; reason: 'create' | 'update' | 'replace-unmanaged' }
  | { kind: 'remove-file'; ifname?: string; path: string }
  | { kind: 'ifup'; ifname: string; command: string[]; downCommand: string[] }
  | { kind: 'ifdown'; ifname: string; command: string[] }
  | { kind: 'link-up'; ifname: string }
  | { kind: 'add-address'; ifname: string; address: string; prefixLength: number; label?: string }
  | { kind: 'del-address'; ifname: string; address: string; prefixLength: number }
  | { kind: 'add-route'; ifname?: string; route: KernelRoute }
  | { kind: 'del-route'; ifname?: string; route: KernelRoute }
  | { kind: 'add-rule'; ifname?: string; rule: KernelRule }
  | { kind: 'del-rule'; ifname?: string; rule: KernelRule }
  // Channels (`ethtool -L`). shape 'combined': from/to are the combined count. shape 'rx-tx':
  // from/to are the RX count and fromTx/toTx the TX count (a side whose target is 0 is left out).
  | { kind: 'set-channels'; ifname: string; shape: 'combined' | 'rx-tx'; from: number; to: number; fromTx?: number; toTx?: number }
  // An RPS mask in the kernel's sysfs format. `from` is null for a queue that only appears once
  // a set-channels action before it has raised the channel count (or whose mask was unreadable).
  | { kind: 'write-rps'; ifname: string; queue: string; path: string; from: string | null; to: string }
  | { kind: 'write-sysfs'; ifname?: string; path: string; from: string; to: string; why: string }
  | { kind: 'start-irqbalance' };

export type ActionKind = Action['kind'];

/** Kernel mutations that can travel together in one `ip -batch -`. */
export const IP_BATCH_KINDS: ReadonlySet<ActionKind> = new Set<ActionKind>([
  'link-up',
  'add-address',
  'del-address',
  'add-route',
  'del-route',
  'add-rule',
  'del-rule',
]);
