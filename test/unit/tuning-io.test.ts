// observe + apply against a fake sysfs/proc/host tree of real files in a temp dir, with a fake
// runner that plays ethtool and systemctl (and, like the kernel, adds rx-N dirs on ethtool -L).

import { strict as assert } from 'node:assert';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../src/config/config.js';
import { CommandError, type CommandRunner, type RunOptions, type RunResult } from '../../src/exec/runner.js';
import { applyTuning, writeSysfsValue } from '../../src/tuning/apply.js';
import { observeTuning } from '../../src/tuning/observe.js';
import { planTuning } from '../../src/tuning/plan.js';
import { prefixRunner } from '../../src/tuning/netns.js';
import type { TuningConfig, TuningNic } from '../../src/tuning/types.js';

interface FakeNic {
  max: number;
  current: number;
  failSet?: boolean;
}

/** Plays `ethtool -l/-L` for combined-channel NICs, `systemctl`; records every command. */
class FakeRunner implements CommandRunner {
  spawnCount = 0;
  commands: string[][] = [];
  irqActive = false;
  ethtoolMissing = false;
  constructor(
    private sysfs: string,
    private nics: Record<string, FakeNic>,
  ) {}

  async run(command: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    this.spawnCount += 1;
    this.commands.push([...command]);
    const ok = (stdout: string): RunResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false });
    const fail = (exitCode: number, stderr: string): RunResult => {
      const result = { exitCode, stdout: '', stderr, timedOut: false };
      if (!options.allowFailure) throw new CommandError(command, result);
      return result;
    };
    const [file, flag, ifname, ...rest] = command;
    if (file === 'ethtool') {
      if (this.ethtoolMissing) throw new CommandError(command, { exitCode: -1, stdout: '', stderr: 'ethtool: command not found or could not start', timedOut: false });
      const nic = this.nics[ifname!];
      if (!nic) return fail(1, 'netlink error: Operation not supported');
      if (flag === '-l') {
        return ok(
          `Channel parameters for ${ifname}:\nPre-set maximums:\nRX:\t\tn/a\nTX:\t\tn/a\nOther:\t\tn/a\nCombined:\t${nic.max}\n` +
            `Current hardware settings:\nRX:\t\tn/a\nTX:\t\tn/a\nOther:\t\tn/a\nCombined:\t${nic.current}\n`,
        );
      }
      if (flag === '-L' && rest[0] === 'combined') {
        if (nic.failSet) return fail(1, 'netlink error: Device or resource busy');
        const to = Number(rest[1]);
        for (let i = nic.current; i < to; i += 1) await makeQueue(this.sysfs, ifname!, i, '0');
        nic.current = to;
        return ok('');
      }
    }
    if (file === 'systemctl' && flag === 'is-active') return this.irqActive ? ok('active\n') : fail(3, 'inactive\n');
    if (file === 'systemctl' && flag === 'start') {
      this.irqActive = true;
      return ok('');
    }
    return fail(127, `unexpected command ${command.join(' ')}`);
  }
}

async function makeQueue(sysfs: string, ifname: string, index: number, mask: string): Promise<void> {
  const dir = path.join(sysfs, 'class/net', ifname, 'queues', `rx-${index}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'rps_cpus'), `${mask}\n`);
  await writeFile(path.join(dir, 'rps_flow_cnt'), '0\n');
  await mkdir(path.join(sysfs, 'class/net', ifname, 'queues', `tx-${index}`), { recursive: true });
}

const NICS: TuningNic[] = [
  { ifname: 'eth0', role: 'primary' },
  { ifname: 'eth1', role: 'secondary' },
  { ifname: 'lo', role: 'secondary' },
];

describe('tuning: observe and apply on a fake sysfs tree', () => {
  let root: string;
  let sysfs: string;
  let proc: string;
  let host: string;
  const config = (over: Partial<TuningConfig> = {}): TuningConfig => ({ ...defaultConfig().tuning, ...over });

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'tuning-io-'));
    sysfs = path.join(root, 'sys');
    proc = path.join(root, 'proc');
    host = path.join(root, 'host');
    await mkdir(path.join(sysfs, 'devices/system/cpu'), { recursive: true });
    await writeFile(path.join(sysfs, 'devices/system/cpu/online'), '0-3,8-11\n');
    // 12 possible CPUs → the kernel prints 3 hex digits
    await makeQueue(sysfs, 'eth0', 0, '000');
    await makeQueue(sysfs, 'eth1', 0, '000');
    await makeQueue(sysfs, 'lo', 0, '000');
    await mkdir(path.join(proc, 'sys/net/core'), { recursive: true });
    await writeFile(path.join(proc, 'sys/net/core/rps_sock_flow_entries'), '0\n');
    await mkdir(path.join(host, 'run/systemd/system'), { recursive: true });
    await mkdir(path.join(host, 'usr/sbin'), { recursive: true });
    await writeFile(path.join(host, 'usr/sbin/irqbalance'), '#!/bin/sh\n');
    await chmod(path.join(host, 'usr/sbin/irqbalance'), 0o755);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('observes channels, queues, masks, CPUs, RFS and irqbalance', async () => {
    const runner = new FakeRunner(sysfs, { eth0: { max: 2, current: 1 }, eth1: { max: 4, current: 1 } });
    const obs = await observeTuning(['eth0', 'eth1', 'lo', 'eth9'], { runner, sysfsRoot: sysfs, procRoot: proc, hostRoot: host, pathEnv: '' });
    assert.deepEqual(obs.onlineCpus, [0, 1, 2, 3, 8, 9, 10, 11]);
    assert.equal(obs.ethtoolAvailable, true);
    assert.deepEqual(obs.irqbalance, { installed: true, systemd: true, active: false });
    assert.equal(obs.rpsSockFlowEntries, 0);
    const eth1 = obs.nics.find((n) => n.ifname === 'eth1')!;
    assert.equal(eth1.channels?.max.combined, 4);
    assert.deepEqual(eth1.rxQueues, [{ name: 'rx-0', index: 0, rpsCpusPath: path.join(sysfs, 'class/net/eth1/queues/rx-0/rps_cpus'), rpsCpus: '000', rpsFlowCnt: 0 }]);
    assert.equal(obs.nics.find((n) => n.ifname === 'lo')!.channels, null, 'unsupported → null, quietly');
    assert.deepEqual(obs.nics.find((n) => n.ifname === 'eth9'), { ifname: 'eth9', present: false, rxQueues: [] });
    const odd = await observeTuning(['../../etc', '..'], { runner, sysfsRoot: sysfs, procRoot: proc, hostRoot: host, pathEnv: '' });
    assert.ok(odd.nics.every((n) => !n.present && n.rxQueues.length === 0));
    assert.deepEqual(runner.commands.filter((c) => c[0] === 'ethtool').map((c) => c.join(' ')).sort(), ['ethtool -l eth0', 'ethtool -l eth1', 'ethtool -l lo']);
  });

  it('observe → plan → apply converges: a second pass plans nothing', async () => {
    const runner = new FakeRunner(sysfs, { eth0: { max: 2, current: 1 }, eth1: { max: 4, current: 1 } });
    const cfg = config({ rps: 'all', rfs: { entries: 4096 } });
    const opts = { runner, sysfsRoot: sysfs, procRoot: proc, hostRoot: host, pathEnv: '', config: cfg };
    const first = planTuning(NICS, await observeTuning(NICS.map((n) => n.ifname), opts), cfg);
    const results = await applyTuning(first.actions, { runner });
    assert.deepEqual(results.filter((r) => !r.ok), []);
    assert.deepEqual(
      runner.commands.filter((c) => c[1] === '-L' || c[1] === 'start').map((c) => c.join(' ')),
      ['ethtool -L eth0 combined 2', 'ethtool -L eth1 combined 4', 'systemctl start irqbalance'],
    );
    // real files now hold what the kernel would
    assert.equal(await readFile(path.join(sysfs, 'class/net/eth1/queues/rx-3/rps_cpus'), 'utf8'), 'f0f\n');
    assert.equal(await readFile(path.join(sysfs, 'class/net/lo/queues/rx-0/rps_cpus'), 'utf8'), 'f0f\n');
    assert.equal(await readFile(path.join(sysfs, 'class/net/eth1/queues/rx-2/rps_flow_cnt'), 'utf8'), '1024\n');
    assert.equal(await readFile(path.join(sysfs, 'class/net/eth0/queues/rx-1/rps_flow_cnt'), 'utf8'), '2048\n');
    assert.equal(await readFile(path.join(proc, 'sys/net/core/rps_sock_flow_entries'), 'utf8'), '4096\n');

    // the kernel pads what it prints; the second pass must still see it as converged
    await writeFile(path.join(sysfs, 'class/net/eth1/queues/rx-0/rps_cpus'), '00000000,00000f0f\n');
    const second = planTuning(NICS, await observeTuning(NICS.map((n) => n.ifname), opts), cfg);
    assert.deepEqual(second, { actions: [], notes: [{ level: 'debug', code: 'no-channels', ifname: 'lo', message: 'lo: no channel parameters (not multi-queue capable)' }] });
  });

  it('write-rps re-checks at apply time and skips an equal mask', async () => {
    const runner = new FakeRunner(sysfs, {});
    const file = path.join(sysfs, 'class/net/eth1/queues/rx-0/rps_cpus');
    await writeFile(file, '00000000,00000f0f\n');
    const [r] = await applyTuning([{ kind: 'write-rps', ifname: 'eth1', queue: 'rx-0', path: file, from: null, to: 'f0f' }], { runner });
    assert.deepEqual([r!.ok, r!.changed], [true, false]);
    assert.equal(await readFile(file, 'utf8'), '00000000,00000f0f\n');
  });

  it("one NIC's failure does not stop the others, and never throws", async () => {
    const runner = new FakeRunner(sysfs, { eth0: { max: 2, current: 1 }, eth1: { max: 4, current: 1, failSet: true } });
    const cfg = config({ rps: 'seed', irqbalance: false });
    const obs = await observeTuning(['eth0', 'eth1'], { runner, sysfsRoot: sysfs, procRoot: proc, hostRoot: host, config: cfg });
    const plan = planTuning(NICS.slice(0, 2), obs, cfg);
    const results = await applyTuning(plan.actions, { runner });
    const failed = results.filter((r) => !r.ok).map((r) => `${r.action.kind} ${'queue' in r.action ? r.action.queue : ''} ${r.error}`);
    assert.equal(failed.length, 4, failed.join('\n'));
    assert.match(failed[0]!, /^set-channels .*ethtool -L eth1 combined 4 exited 1: netlink error: Device or resource busy/);
    assert.match(failed[1]!, /^write-rps rx-1 .*rx-1\/rps_cpus: does not exist/);
    assert.ok(results.filter((r) => 'ifname' in r.action && r.action.ifname === 'eth0').every((r) => r.ok));
    assert.equal(await readFile(path.join(sysfs, 'class/net/eth1/queues/rx-0/rps_cpus'), 'utf8'), 'f\n', 'eth1 rx-0 still got its mask');
    // no stray files were created for the queues that never appeared
    assert.deepEqual((await readdir(path.join(sysfs, 'class/net/eth1/queues'))).sort(), ['rx-0', 'tx-0']);
  });

  it('a missing ethtool is reported once and channels are skipped', async () => {
    const runner = new FakeRunner(sysfs, { eth0: { max: 2, current: 1 }, eth1: { max: 4, current: 1 } });
    runner.ethtoolMissing = true;
    const cfg = config({ rps: 'off', irqbalance: false });
    const obs = await observeTuning(['eth0', 'eth1'], { runner, sysfsRoot: sysfs, procRoot: proc, config: cfg });
    assert.equal(obs.ethtoolAvailable, false);
    assert.ok(obs.nics.every((n) => n.channels === undefined && n.channelsError === undefined));
    const plan = planTuning(NICS.slice(0, 2), obs, cfg);
    assert.deepEqual(plan, { actions: [], notes: [{ level: 'warn', code: 'ethtool-missing', message: 'ethtool is not installed: NIC channels (multi-queue) are not tuned' }] });
  });

  it('a missing ethtool behind `ip netns exec` is recognised too', async () => {
    const inner: CommandRunner = {
      spawnCount: 0,
      run: async (command) => {
        assert.deepEqual(command.slice(0, 4), ['ip', 'netns', 'exec', 'tune-x']);
        return { exitCode: 1, stdout: '', stderr: 'exec of "ethtool" failed: No such file or directory', timedOut: false };
      },
    };
    const obs = await observeTuning(['eth0'], { runner: prefixRunner(inner, ['ip', 'netns', 'exec', 'tune-x']), sysfsRoot: sysfs, procRoot: proc, config: config({ irqbalance: false }) });
    assert.equal(obs.ethtoolAvailable, false);
  });

  it('without systemd or the binary, irqbalance is not queried', async () => {
    await rm(path.join(host, 'run'), { recursive: true });
    const runner = new FakeRunner(sysfs, {});
    const obs = await observeTuning([], { runner, sysfsRoot: sysfs, procRoot: proc, hostRoot: host, pathEnv: '' });
    assert.deepEqual(obs.irqbalance, { installed: true, systemd: false, active: null });
    await rm(path.join(host, 'usr'), { recursive: true });
    const obs2 = await observeTuning([], { runner, sysfsRoot: sysfs, procRoot: proc, hostRoot: host, pathEnv: '/nonexistent/bin' });
    assert.deepEqual(obs2.irqbalance, { installed: false, systemd: false, active: null });
    assert.equal(runner.commands.length, 0);
  });

  it('writeSysfsValue never creates a file', async () => {
    await assert.rejects(writeSysfsValue(path.join(sysfs, 'class/net/eth1/queues/rx-7/rps_cpus'), 'f'), { code: 'ENOENT' });
    await assert.rejects(writeSysfsValue(path.join(sysfs, 'class/net/eth1/queues/rx-0/nope'), 'f'), { code: 'ENOENT' });
  });
});
