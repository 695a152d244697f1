// Guide section 5 end to end: veth NICs with 4 queues, lowered to 1, raised by the agent's pass;
// RPS masks read back from sysfs inside the guest namespace; a NIC attached later is tuned in
// the pass that routes it; a converged pass writes nothing.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAgentHost, requireRoot, type AgentHost } from './harness.js';

async function channels(host: AgentHost, ifname: string): Promise<{ rx: number; tx: number }> {
  const out = (await host.tb.exec(['ethtool', '-l', ifname], { check: true })).stdout;
  const current = out.split(/Current hardware settings:/i)[1] ?? '';
  const value = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'mi').exec(current)?.[1]);
  return { rx: value('RX'), tx: value('TX') };
}

async function rpsMasks(host: AgentHost, ifname: string): Promise<string[]> {
  const masks: string[] = [];
  for (let q = 0; ; q += 1) {
    const r = await host.tb.exec(['cat', `/sys/class/net/${ifname}/queues/rx-${q}/rps_cpus`]);
    if (r.exitCode !== 0) return masks;
    masks.push(r.stdout.trim());
  }
}

/** Every online CPU as the kernel prints a mask (no leading zero groups beyond its width). */
async function allCpusMask(): Promise<bigint> {
  const online = (await readFile('/sys/devices/system/cpu/online', 'utf8')).trim();
  let mask = 0n;
  for (const part of online.split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a!; c <= (b ?? a!); c += 1) mask |= 1n << BigInt(c);
  }
  return mask;
}

const asBigInt = (kernelMask: string): bigint => BigInt(`0x${kernelMask.replace(/,/g, '')}`);

describe('NIC multi-queue and RPS tuning on the simulated host', function () {
  this.timeout(180_000);
  let host: AgentHost;

  before(async function () {
    requireRoot(this);
    host = await createAgentHost({
      nics: [
        { name: 'eth0', mac: '00:16:3e:00:00:01', ip: '10.0.0.10', numRxQueues: 4, numTxQueues: 4 },
        { name: 'eth1', mac: '00:16:3e:00:00:02', ip: '10.0.0.20', numRxQueues: 4, numTxQueues: 4 },
      ],
    });
    await writeFile(path.join(host.root, 'config.yaml'), 'tuning:\n  rps: all\n  includePrimary: false\n');
  });
  after(async () => {
    await host?.destroy();
  });
  const config = () => ['--config', path.join(host.root, 'config.yaml')];

  it('raises channels lowered to 1 back to the maximum and writes the RPS mask on every queue', async () => {
    for (const nic of ['eth0', 'eth1']) await host.tb.exec(['ethtool', '-L', nic, 'rx', '1', 'tx', '1'], { check: true });
    assert.deepEqual(await channels(host, 'eth1'), { rx: 1, tx: 1 });
    const result = await host.agent(['reconcile', ...config()]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(await channels(host, 'eth1'), { rx: 4, tx: 4 });
    const masks = await rpsMasks(host, 'eth1');
    assert.equal(masks.length, 4);
    const all = await allCpusMask();
    for (const m of masks) assert.equal(asBigInt(m), all, `rps_cpus ${m}`);
  });

  it('leaves the primary alone with includePrimary: false', async () => {
    assert.deepEqual(await channels(host, 'eth0'), { rx: 1, tx: 1 });
  });

  it('a converged pass plans and writes nothing', async () => {
    const result = await host.agent(['reconcile', '--json', ...config()]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual((JSON.parse(result.stdout) as { actions: unknown[] }).actions, []);
  });

  it('status shows channels current/max and the RPS mask', async () => {
    const status = JSON.parse((await host.agent(['status', '--json', ...config()])).stdout) as { nics: Array<{ ifname: string; channels: string; rps: string }> };
    const eth1 = status.nics.find((n) => n.ifname === 'eth1')!;
    assert.equal(eth1.channels, 'rx 4/4 tx 4/4');
    assert.equal(BigInt(`0x${eth1.rps}`), await allCpusMask());
  });

  it('a NIC attached later is tuned in the pass that routes it', async () => {
    const nic = { name: 'eth2', mac: '00:16:3e:00:00:03', ip: '10.0.0.30', numRxQueues: 4, numTxQueues: 4 };
    await host.tb.addNic(nic);
    await host.tb.exec(['ethtool', '-L', 'eth2', 'rx', '1', 'tx', '1'], { check: true });
    await host.setMetadataNics(host.tb.nics);
    const result = await host.agent(['reconcile', ...config()]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok((await host.rules()).some((r) => r.src === '10.0.0.30' && r.table === '1002'), 'routed');
    assert.deepEqual(await channels(host, 'eth2'), { rx: 4, tx: 4 });
    const all = await allCpusMask();
    for (const m of await rpsMasks(host, 'eth2')) assert.equal(asBigInt(m), all);
  });
});
