// Real kernel: a veth with 4 RX/TX queues in a throwaway network namespace, lowered to 1 channel,
// then raised again and given RPS masks by the agent's tuning code. Root only (skipped otherwise).
//
// Two ways of reaching the namespace, both supported by the tuning module:
// 1. in-process seams: commands through netnsRunner (`ip netns exec NS …`), sysfs read and
//    written under a sysfs instance mounted from inside the namespace (sysfs shows the net devices
//    of the namespace that mounted it), proc root pointed at an empty dir (the host's
//    /proc/sys/net must never be written from here);
// 2. the agent running inside the namespace (`ip netns exec NS node …`) with the default roots.
// Nothing here touches the host's own NICs; the namespace and the mount are removed afterwards,
// also when a test fails.

import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../src/config/config.js';
import { ExecaRunner } from '../../src/exec/runner.js';
import { masksEqual, parseCpuList } from '../../src/tuning/cpus.js';
import { parseEthtoolChannels } from '../../src/tuning/ethtool.js';
import { applyTuning } from '../../src/tuning/apply.js';
import { netnsRunner } from '../../src/tuning/netns.js';
import { observeTuning } from '../../src/tuning/observe.js';
import { planTuning } from '../../src/tuning/plan.js';
import type { TuningConfig } from '../../src/tuning/types.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasIp = spawnSync('ip', ['-V']).status === 0 && spawnSync('ethtool', ['--version']).status === 0;

function inNs(ns: string, ...args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8', timeout: 15_000 });
}

/** Independent of the code under test: hex of the set of CPUs (at most 32 here). */
function hexOf(cpus: number[]): string {
  let v = 0;
  for (const c of cpus) v += 2 ** c;
  return v.toString(16);
}

describe('tuning: real veth in a throwaway namespace (root)', function () {
  this.timeout(60_000);
  const ns = `tune-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  let workdir = '';
  let sysMount = '';
  let mounted = false;
  let nsCreated = false;
  let online: number[] = [];

  before(function () {
    if (!isRoot || !hasIp || process.platform !== 'linux') this.skip();
    workdir = mkdtempSync(path.join(tmpdir(), 'tuning-netns-'));
    sysMount = path.join(workdir, 'sys');
    mkdirSync(sysMount);
    mkdirSync(path.join(workdir, 'proc'));
    execFileSync('ip', ['netns', 'add', ns]);
    nsCreated = true;
    // created directly inside the namespace: no host link is ever involved
    execFileSync('ip', ['-n', ns, 'link', 'add', 'v0', 'numrxqueues', '4', 'numtxqueues', '4', 'type', 'veth', 'peer', 'name', 'v1', 'numrxqueues', '4', 'numtxqueues', '4']);
    execFileSync('nsenter', [`--net=/run/netns/${ns}`, 'mount', '-t', 'sysfs', 'sysfs', sysMount]);
    mounted = true;
    const links = readdirSync(path.join(sysMount, 'class/net')).sort();
    // guard: this must be the namespace's view, or the test would tune host NICs
    assert.deepEqual(links, ['lo', 'v0', 'v1'], `mounted sysfs is not the namespace's: ${links.join(' ')}`);
    online = parseCpuList(inNs(ns, 'cat', '/sys/devices/system/cpu/online'));
  });

  after(function () {
    if (mounted) spawnSync('umount', [sysMount]);
    if (nsCreated) spawnSync('ip', ['netns', 'del', ns]);
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  const cfg = (over: Partial<TuningConfig>): TuningConfig => ({ ...defaultConfig().tuning, irqbalance: false, ...over });

  it('in-process, through the netns runner and a namespace sysfs: raises 1 → 4 channels and writes RPS + RFS', async () => {
    inNs(ns, 'ethtool', '-L', 'v0', 'rx', '1', 'tx', '1');
    assert.deepEqual(readdirSync(path.join(sysMount, 'class/net/v0/queues')).sort(), ['rx-0', 'tx-0']);

    const runner = netnsRunner(new ExecaRunner(), ns);
    const config = cfg({ rps: 'all', rfs: { entries: 4096 } });
    const opts = { runner, sysfsRoot: sysMount, procRoot: path.join(workdir, 'proc'), config };
    const observed = await observeTuning(['v0'], opts);
    assert.deepEqual(observed.onlineCpus, online);
    assert.deepEqual(observed.nics[0]!.channels?.current, { rx: 1, tx: 1, other: null, combined: null });

    const plan = planTuning([{ ifname: 'v0', role: 'secondary' }], observed, config);
    assert.deepEqual(plan.notes.map((n) => n.code), ['rfs-unavailable']);
    assert.deepEqual(plan.actions[0], { kind: 'set-channels', ifname: 'v0', shape: 'rx-tx', from: 1, to: 4, fromTx: 1, toTx: 4 });
    assert.deepEqual(
      plan.actions.slice(1).map((a) => (a.kind === 'write-rps' ? `${a.queue}=${a.to}` : a.kind === 'write-sysfs' ? `${path.basename(path.dirname(a.path))}/flow=${a.to}` : a.kind)),
      ['rx-0', 'rx-1', 'rx-2', 'rx-3'].map((q) => `${q}=${hexOf(online)}`).concat(['rx-0', 'rx-1', 'rx-2', 'rx-3'].map((q) => `${q}/flow=1024`)),
    );

    const results = await applyTuning(plan.actions, { runner });
    assert.deepEqual(results.filter((r) => !r.ok), []);

    // read back from the kernel, from inside the namespace
    const after = parseEthtoolChannels(inNs(ns, 'ethtool', '-l', 'v0'))!;
    assert.deepEqual(after.current, { rx: 4, tx: 4, other: null, combined: null });
    for (const q of ['rx-0', 'rx-1', 'rx-2', 'rx-3']) {
      const mask = inNs(ns, 'cat', `/sys/class/net/v0/queues/${q}/rps_cpus`).trim();
      assert.ok(masksEqual(mask, hexOf(online)), `${q}: ${mask}`);
      assert.equal(inNs(ns, 'cat', `/sys/class/net/v0/queues/${q}/rps_flow_cnt`).trim(), '1024');
    }
    assert.equal(inNs(ns, 'cat', '/sys/class/net/v1/queues/rx-0/rps_cpus').trim().replace(/[0,]/g, ''), '', 'the peer was not touched');

    // converged: a second pass plans nothing
    const again = planTuning([{ ifname: 'v0', role: 'secondary' }], await observeTuning(['v0'], opts), config);
    assert.deepEqual(again.actions, []);
  });

  it('the agent inside the namespace with the default roots (/sys, /proc)', function () {
    inNs(ns, 'ethtool', '-L', 'v0', 'rx', '2', 'tx', '2');
    inNs(ns, 'sh', '-c', 'for f in /sys/class/net/v0/queues/rx-*/rps_cpus; do echo 0 > $f; done');
    const dist = (rel: string): string => new URL(rel, import.meta.url).href;
    const script = `
      const t = await import(${JSON.stringify(dist('../../src/tuning/index.js'))});
      const { ExecaRunner } = await import(${JSON.stringify(dist('../../src/exec/runner.js'))});
      const { defaultConfig } = await import(${JSON.stringify(dist('../../src/config/config.js'))});
      const config = { ...defaultConfig().tuning, irqbalance: false, rps: 'seed' };
      const runner = new ExecaRunner();
      const nics = [{ ifname: 'v0', role: 'secondary' }];
      const observed = await t.observeTuning(['v0'], { runner, config });
      const plan = t.planTuning(nics, observed, config);
      const results = await t.applyTuning(plan.actions, { runner });
      const again = t.planTuning(nics, await t.observeTuning(['v0'], { runner, config }), config);
      const status = t.tuningStatus(nics, await t.observeTuning(['v0'], { runner, config }), config);
      console.log(JSON.stringify({ sysfsRoot: observed.sysfsRoot, plan, results, again: again.actions, status }));
    `;
    const out = JSON.parse(inNs(ns, process.execPath, '--input-type=module', '-e', script)) as {
      sysfsRoot: string;
      plan: { actions: Array<{ kind: string; to?: unknown }> };
      results: Array<{ ok: boolean }>;
      again: unknown[];
      status: Array<{ channels: unknown; rpsMask: string; drift: string[] }>;
    };
    assert.equal(out.sysfsRoot, '/sys');
    // seed: the guide's `f` (CPUs 0-3) below 16 CPUs, keeping only the online ones
    const seed = hexOf(online.filter((c) => c < 4));
    assert.deepEqual(out.plan.actions.map((a) => `${a.kind}:${String(a.to)}`), ['set-channels:4', ...Array(4).fill(`write-rps:${seed}`)]);
    assert.ok(out.results.every((r) => r.ok));
    assert.deepEqual(out.again, []);
    assert.deepEqual(out.status[0]!.channels, { shape: 'rx-tx', current: 4, max: 4, currentTx: 4, maxTx: 4 });
    assert.deepEqual(out.status[0]!.drift, []);
    assert.ok(masksEqual(inNs(ns, 'cat', '/sys/class/net/v0/queues/rx-3/rps_cpus'), seed));
  });
});
