// Under systemd, `ifup` (ifupdown, initscripts) forks a DHCP client that would live in the
// service's cgroup and die with it on `systemctl stop|restart eni-agent` (KillMode=control-group,
// the default). The daemon therefore starts `ifup` through `systemd-run --scope`: the command and
// everything it forks move to a transient scope unit of their own, outside the service's cgroup,
// so the leases (and the addresses and routes they hold) survive a restart of the agent.
//
// We prefer this over KillMode=process, which keeps every leftover child (ifup in progress, the
// link monitor) across restarts, breaks stop/start ordering, and which systemd now reports as
// deprecated. Outside systemd (no INVOCATION_ID, e.g. the testbed or a shell) commands run as is:
// dhclient daemonizes, so it is not tied to our process there anyway.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CommandRunner, RunOptions, RunResult } from '../exec/runner.js';

/** The commands whose children must outlive the agent. */
const DETACH = new Set(['ifup']);

export function scopedCommand(command: readonly string[]): string[] {
  const [file] = command;
  if (!file || !DETACH.has(path.basename(file))) return [...command];
  const description = `eni-agent: ${command.join(' ')}`.slice(0, 200);
  return ['systemd-run', '--scope', '--quiet', '--collect', `--description=${description}`, '--', ...command];
}

/** True when this process is a systemd service on a host whose PID 1 is systemd. */
export function underSystemd(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.INVOCATION_ID) && existsSync('/run/systemd/system');
}

export class ScopeRunner implements CommandRunner {
  constructor(private readonly inner: CommandRunner) {}

  get spawnCount(): number {
    return this.inner.spawnCount;
  }

  run(command: readonly string[], options?: RunOptions): Promise<RunResult> {
    return this.inner.run(scopedCommand(command), options);
  }
}
