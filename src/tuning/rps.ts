// RPS masks and RFS flow counts: pure arithmetic from the configured mode, the online CPUs
// and the number of RX queues.

import { formatMask, maskOfCpus, parseMask } from './cpus.js';

export type RpsMode = 'auto' | 'seed' | 'all' | 'off' | string;

/**
 * Alibaba's guide (section 5, step 5) ships this script for custom images:
 *
 *   cpu_num=$(grep -c processor /proc/cpuinfo)
 *   quotient=$((cpu_num/8))            # integer division
 *   (clamp quotient to 1..2)
 *   cpuset = "f" repeated quotient times
 *   echo $cpuset > /sys/class/net/eth*\/queues/rx-*\/rps_cpus
 *
 * So the mask is `f` (CPUs 0-3) below 16 CPUs and `ff` (CPUs 0-7) from 16 CPUs on — never more
 * than 8 CPUs. For 4 CPUs: 4/8 = 0 → clamped to 1 → `f` = CPUs 0-3, i.e. every CPU. For 64
 * CPUs: 64/8 = 8 → clamped to 2 → `ff` = CPUs 0-7 only.
 *
 * Where the script goes wrong: on fewer than 4 CPUs `f` names CPUs that do not exist, and the
 * kernel refuses the write (EOVERFLOW: checked on a 2-CPU kernel 6.18, where `echo f` fails and
 * `echo 3` works). The kernel keeps only online CPUs of any mask anyway, so we intersect the
 * script's mask with the online CPUs: 1 CPU → `1`, 2 CPUs → `3`, 7 CPUs → `f`. `cpu_num` is
 * the online count (/proc/cpuinfo lists online CPUs); with a sparse online list (`0-3,8-11`,
 * 8 CPUs → `f`) bits of offline CPUs drop out as well.
 */
export function seedMask(onlineCpus: readonly number[]): bigint {
  const quotient = Math.min(2, Math.max(1, Math.floor(onlineCpus.length / 8)));
  const guideMask = (1n << BigInt(4 * quotient)) - 1n; // 'f' or 'ff'
  return guideMask & maskOfCpus(onlineCpus);
}

export type RpsDecision =
  | { ok: true; mask: bigint; text: string; mode: 'seed' | 'all' | 'off' | 'explicit' }
  | { ok: false; reason: string };

/**
 * The mask every RX queue of one NIC should carry.
 * - `seed`: the guide's script (see seedMask);
 * - `all`: every online CPU;
 * - `off`: 0 (RPS disabled);
 * - a hex mask: normalised, offline CPUs dropped (the kernel would drop them too);
 * - `auto`: off when the NIC has at least as many RX queues as there are online CPUs (hardware
 *   queues already spread the load), else every online CPU.
 */
export function decideRpsMask(mode: RpsMode, onlineCpus: readonly number[], rxQueues: number): RpsDecision {
  const online = maskOfCpus(onlineCpus);
  const done = (mask: bigint, m: 'seed' | 'all' | 'off' | 'explicit'): RpsDecision => ({ ok: true, mask, text: formatMask(mask), mode: m });
  switch (mode) {
    case 'off':
      return done(0n, 'off');
    case 'all':
      return done(online, 'all');
    case 'seed':
      return done(seedMask(onlineCpus), 'seed');
    case 'auto':
      return rxQueues >= onlineCpus.length ? done(0n, 'off') : done(online, 'all');
    default: {
      let given: bigint;
      try {
        given = parseMask(mode);
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
      const kept = given & online;
      if (given !== 0n && kept === 0n) {
        return { ok: false, reason: `RPS mask ${mode} names no online CPU (online: ${formatMask(online)})` };
      }
      return done(kept, 'explicit');
    }
  }
}

/** The kernel rounds RFS table sizes up to a power of two (it reads back the rounded value). */
export function roundUpPow2(n: number): number {
  if (n <= 1) return n <= 0 ? 0 : 1;
  return 2 ** Math.ceil(Math.log2(n));
}

/**
 * RFS sizes as the kernel will report them: the global socket flow table
 * (`net.core.rps_sock_flow_entries`) and each RX queue's `rps_flow_cnt` = entries / queues
 * (the kernel's documented recommendation), both rounded up to a power of two.
 */
export function rfsSizes(entries: number, rxQueues: number): { global: number; perQueue: number } {
  const queues = Math.max(1, rxQueues);
  return { global: roundUpPow2(entries), perQueue: roundUpPow2(Math.max(1, Math.floor(entries / queues))) };
}
