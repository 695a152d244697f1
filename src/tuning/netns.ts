// Seams for running the tuning steps against a network namespace from outside it.
//
// In production the agent runs in the namespace whose NICs it tunes (the host's, or the
// testbed's `guest` via `ip netns exec guest eni-agent …`), so neither seam is used: the plain
// runner and the sysfs root `/sys` are right. A test process that stays in the root namespace
// instead wraps its runner with netnsRunner (commands go through `ip netns exec NS`) and points
// the sysfs root at a sysfs mounted from inside the namespace (sysfs shows the net devices of
// the namespace that mounted it; see test/unit/tuning-netns.test.ts).

import type { CommandRunner, RunOptions, RunResult } from '../exec/runner.js';

/** A runner that prefixes every command (for example with `ip netns exec NS`). */
export function prefixRunner(inner: CommandRunner, prefix: readonly string[]): CommandRunner {
  return {
    run(command: readonly string[], options?: RunOptions): Promise<RunResult> {
      return inner.run([...prefix, ...command], options);
    },
    get spawnCount(): number {
      return inner.spawnCount;
    },
  };
}

/** A runner whose commands run inside the named network namespace. */
export function netnsRunner(inner: CommandRunner, namespace: string): CommandRunner {
  if (!/^[A-Za-z0-9_.-]+$/.test(namespace)) throw new Error(`bad namespace name ${JSON.stringify(namespace)}`);
  return prefixRunner(inner, ['ip', 'netns', 'exec', namespace]);
}
