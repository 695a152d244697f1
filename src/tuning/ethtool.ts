// `ethtool -l IF` (channel parameters): parse both output shapes and decide the target.
//
// Shapes seen in practice:
// - virtio-net on ECS: Pre-set maximums RX/TX/Other `n/a` (older ethtool prints `0`, as in
//   Alibaba's guide), Combined N; Current hardware settings Combined 1..N.
// - veth and some other drivers: separate RX and TX channels, Other/Combined `n/a`. veth refuses
//   `ethtool -L v0 combined N` ("requested channel count exceeds maximum"); it needs `rx M tx M`.
// - no channel support (lo, ifb, bridges): `netlink error: Operation not supported` (ethtool ≥ 5
//   over netlink) or `Cannot get device channel parameters\n: Operation not supported` (ioctl),
//   exit status 1. That is not an error for us: such a NIC simply has no channels to tune.

import type { Action } from '../model/actions.js';

export interface ChannelCounts {
  /** null where ethtool prints `n/a` or the field is missing; `0` is kept as 0. */
  rx: number | null;
  tx: number | null;
  other: number | null;
  combined: number | null;
}

export interface ChannelInfo {
  max: ChannelCounts;
  current: ChannelCounts;
}

export type ChannelShape = 'combined' | 'rx-tx';

const FIELD = /^\s*(RX|TX|Other|Combined):\s*(n\/a|\d+)(?=\s|$)/i;

function emptyCounts(): ChannelCounts {
  return { rx: null, tx: null, other: null, combined: null };
}

/**
 * Parse `ethtool -l` output (stdout and stderr together). Returns null when the device has no
 * channel parameters (operation not supported, or nothing but zeros / n/a in the maximums).
 * Text that is neither a section header nor a field (prompts, the guide's `# ...` annotations)
 * is ignored.
 */
export function parseEthtoolChannels(text: string): ChannelInfo | null {
  const max = emptyCounts();
  const current = emptyCounts();
  let section: ChannelCounts | undefined;
  let sawMax = false;
  for (const line of text.split('\n')) {
    if (/^\s*Pre-set maximums:/i.test(line)) {
      section = max;
      sawMax = true;
      continue;
    }
    if (/^\s*Current hardware settings:/i.test(line)) {
      section = current;
      continue;
    }
    const m = FIELD.exec(line);
    if (!m || !section) continue;
    const key = m[1]!.toLowerCase() as keyof ChannelCounts;
    section[key] = m[2]!.toLowerCase() === 'n/a' ? null : Number.parseInt(m[2]!, 10);
  }
  if (!sawMax) return null;
  const anyMax = [max.rx, max.tx, max.combined].some((v) => (v ?? 0) > 0);
  if (!anyMax) return null;
  return { max, current };
}

/** True when ethtool's answer says the device has no channel parameters (not a failure). */
export function isChannelsUnsupported(text: string): boolean {
  return /Operation not supported/i.test(text) && !/Pre-set maximums:/i.test(text);
}

/** Which `ethtool -L` form fits the device: `combined` when it reports combined channels. */
export function channelShape(info: ChannelInfo): ChannelShape {
  return (info.max.combined ?? 0) > 0 ? 'combined' : 'rx-tx';
}

/** Current and maximum channel counts in the device's own shape (for status and for `auto` RPS). */
export function channelSummary(info: ChannelInfo): { shape: ChannelShape; current: number; max: number; currentTx?: number; maxTx?: number } {
  const shape = channelShape(info);
  if (shape === 'combined') {
    return { shape, current: info.current.combined ?? 0, max: info.max.combined ?? 0 };
  }
  return { shape, current: info.current.rx ?? 0, max: info.max.rx ?? 0, currentTx: info.current.tx ?? 0, maxTx: info.max.tx ?? 0 };
}

export type SetChannelsAction = Extract<Action, { kind: 'set-channels' }>;

/**
 * The channel change the device needs: raise the current count to the pre-set maximum, or to
 * `cap` (tuning.maxChannels) when that is lower. Never lowers a count: a device already at or
 * above the target gets no action (an operator who raised it further keeps that).
 */
export function channelTarget(ifname: string, info: ChannelInfo, cap: number | null): SetChannelsAction | null {
  const limit = (max: number): number => (cap === null ? max : Math.min(max, cap));
  const shape = channelShape(info);
  if (shape === 'combined') {
    const from = info.current.combined ?? 0;
    const to = limit(info.max.combined ?? 0);
    return from < to ? { kind: 'set-channels', ifname, shape, from, to } : null;
  }
  const fromRx = info.current.rx ?? 0;
  const fromTx = info.current.tx ?? 0;
  const wantRx = limit(info.max.rx ?? 0);
  const wantTx = limit(info.max.tx ?? 0);
  if (fromRx >= wantRx && fromTx >= wantTx) return null;
  return { kind: 'set-channels', ifname, shape, from: fromRx, to: Math.max(fromRx, wantRx), fromTx, toTx: Math.max(fromTx, wantTx) };
}

/** The `ethtool -L` argument array for a set-channels action. */
export function setChannelsCommand(action: SetChannelsAction): string[] {
  if (action.shape === 'combined') return ['ethtool', '-L', action.ifname, 'combined', String(action.to)];
  const args = ['ethtool', '-L', action.ifname];
  if (action.to > 0) args.push('rx', String(action.to));
  if ((action.toTx ?? 0) > 0) args.push('tx', String(action.toTx));
  return args;
}

/** How many RX queues (sysfs `rx-*`) the device will have after `action` (delta on what is there). */
export function rxQueuesAfter(observedRxQueues: number, action: SetChannelsAction | null): number {
  if (!action) return observedRxQueues;
  if (observedRxQueues === 0) return action.to;
  return Math.max(observedRxQueues + (action.to - action.from), 1);
}
