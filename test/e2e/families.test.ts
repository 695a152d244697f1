// Every distro family and both addressing modes reconcile the simulated host. Under a test
// root the rhel, suse and netplan bring-up tools would read the real /etc, so the agent brings
// those NICs up live with ip and writes the family's files under the root; Debian's ifup reads
// the root's files (-i) and runs for real, with DHCP or static addressing.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAgentHost, requireRoot, type AgentHost } from './harness.js';

const FILES: Record<string, string[]> = {
  debian: ['etc/network/interfaces.d/eth1', 'etc/network/interfaces.d/eth2'],
  rhel: ['etc/sysconfig/network-scripts/ifcfg-eth1', 'etc/sysconfig/network-scripts/route-eth1', 'etc/sysconfig/network-scripts/rule-eth2', 'etc/sysconfig/network-scripts/ifcfg-eth2:0'],
  suse: ['etc/sysconfig/network/ifcfg-eth1', 'etc/sysconfig/network/ifroute-eth1', 'etc/sysconfig/network/ifrule-eth2'],
  netplan: ['etc/netplan/60-eni-agent.yaml'],
};

async function expectConverged(host: AgentHost): Promise<void> {
  const rules = (await host.rules()).filter((r) => r.priority >= 30000 && r.priority < 30256).map((r) => `${r.priority} ${r.src} ${r.table}`);
  assert.deepEqual(rules.sort(), ['30001 10.0.0.20 1001', '30002 10.0.0.30 1002', '30002 10.0.0.31 1002']);
  assert.deepEqual((await host.addresses('eth2')).sort(), ['10.0.0.30', '10.0.0.31']);
  assert.ok((await host.routes(1001)).some((r) => r.dst === 'default' && r.dev === 'eth1'));
  assert.equal((await host.routes('main')).filter((r) => r.dst === 'default' && r.dev === 'eth2' && r.metric === 1002).length, 1);
  const ping = await host.tb.exec(['ping', '-n', '-q', '-c', '2', '-i', '0.2', '-W', '2', '-I', '10.0.0.31', '10.0.0.253']);
  assert.equal(ping.exitCode, 0, ping.stdout);
}

describe('every distro family reconciles the simulated host', function () {
  this.timeout(180_000);
  before(function () {
    requireRoot(this);
  });

  for (const [distro, addressing] of [['rhel', 'dhcp'], ['suse', 'dhcp'], ['netplan', 'dhcp'], ['debian', 'static']] as const) {
    describe(`${distro}, ${addressing} addressing`, () => {
      let host: AgentHost;
      before(async () => {
        host = await createAgentHost({ distro, secondaryIps: { eth2: ['10.0.0.31'] }, dhcp: addressing === 'dhcp' });
        await writeFile(path.join(host.root, 'config.yaml'), `addressing: ${addressing}\n`);
      });
      after(async () => {
        await host?.destroy();
      });
      const args = () => ['--config', path.join(host.root, 'config.yaml')];

      it('one pass routes every ENI and writes the family files', async () => {
        const result = await host.agent(['reconcile', ...args()]);
        assert.equal(result.exitCode, 0, result.stderr);
        await expectConverged(host);
        for (const file of FILES[distro]!) {
          const text = await readFile(path.join(host.root, file), 'utf8');
          assert.ok(text.startsWith('# Managed by eni-agent'), `${file}: ${text.slice(0, 80)}`);
        }
      });

      it('a second pass is a no-op', async () => {
        const result = await host.agent(['reconcile', '--json', ...args()]);
        assert.equal(result.exitCode, 0, result.stderr);
        assert.deepEqual((JSON.parse(result.stdout) as { actions: unknown[] }).actions, []);
      });

      it('teardown removes what it created', async () => {
        const result = await host.agent(['teardown', ...args()]);
        assert.equal(result.exitCode, 0, result.stderr);
        assert.ok(!(await host.rules()).some((r) => r.priority >= 30000 && r.priority < 30256));
        assert.deepEqual(await host.addresses('eth2'), []);
        for (const file of FILES[distro]!) await assert.rejects(readFile(path.join(host.root, file), 'utf8'), file);
      });
    });
  }
});

describe('render writes or prints the family files and never touches the kernel', function () {
  this.timeout(120_000);
  let host: AgentHost;
  before(async function () {
    requireRoot(this);
    host = await createAgentHost({ secondaryIps: { eth2: ['10.0.0.31'] } });
  });
  after(async () => {
    await host?.destroy();
  });

  for (const distro of ['debian', 'rhel', 'suse', 'netplan'] as const) {
    it(`${distro}: --output DIR holds exactly the files reconcile would write; no rule, address or ifup`, async () => {
      const out = path.join(host.tb.tmpDir, `render-${distro}`);
      const result = await host.agent(['render', '--distro', distro, '--output', out, '--json']);
      assert.equal(result.exitCode, 0, result.stderr);
      const listed = (JSON.parse(result.stdout) as { files: Array<{ path: string; content: string }> }).files;
      assert.ok(listed.length > 0);
      for (const file of listed) assert.equal(await readFile(path.join(out, file.path), 'utf8'), file.content);
      assert.ok(!(await host.rules()).some((r) => r.priority >= 30000 && r.priority < 30256), 'no rule');
      assert.deepEqual(await host.addresses('eth1'), [], 'eth1 not brought up');
    });
  }

  it('without --output prints each file under its path', async () => {
    const result = await host.agent(['render', '--distro', 'rhel']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /==> \/etc\/sysconfig\/network-scripts\/ifcfg-eth1 \(mode 644\) <==\n# Managed by eni-agent/);
    assert.match(result.stdout, /DEFROUTE=no/);
  });
});

describe('secondary IPs on the primary NIC (the guide\'s eth0:0 example)', function () {
  this.timeout(120_000);
  let host: AgentHost;
  before(async function () {
    requireRoot(this);
    host = await createAgentHost({ secondaryIps: { eth0: ['10.0.0.11', '10.0.0.12'] } });
  });
  after(async () => {
    await host?.destroy();
  });

  it('become aliases only: no rule, no route change, the primary address and default untouched', async () => {
    const mainBefore = (await host.routes('main')).filter((r) => r.dev === 'eth0');
    const result = await host.agent(['reconcile']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual((await host.addresses('eth0')).sort(), ['10.0.0.10', '10.0.0.11', '10.0.0.12']);
    assert.deepEqual((await host.routes('main')).filter((r) => r.dev === 'eth0'), mainBefore);
    assert.ok(!(await host.rules()).some((r) => ['10.0.0.10', '10.0.0.11', '10.0.0.12'].includes(r.src ?? '')));
    const file = await readFile(path.join(host.root, 'etc/network/interfaces.d/eth0'), 'utf8');
    assert.match(file, /iface eth0:0 inet static/);
    assert.doesNotMatch(file, /iface eth0 inet|gateway/);
  });

  it('teardown removes the aliases and keeps the primary address', async () => {
    assert.equal((await host.agent(['teardown'])).exitCode, 0);
    assert.deepEqual(await host.addresses('eth0'), ['10.0.0.10']);
  });
});

describe('a NIC not named ethN gets the lowest free index, remembered by MAC', function () {
  this.timeout(120_000);
  let host: AgentHost;
  before(async function () {
    requireRoot(this);
    host = await createAgentHost({
      nics: [
        { name: 'eth0', mac: '00:16:3e:00:00:01', ip: '10.0.0.10' },
        { name: 'ens5', mac: '00:16:3e:00:00:05', ip: '10.0.0.50' },
        { name: 'eth2', mac: '00:16:3e:00:00:03', ip: '10.0.0.30' },
      ],
    });
  });
  after(async () => {
    await host?.destroy();
  });

  it('ens5 takes index 1 (eth2 holds 2), converges, and keeps it on the next pass', async () => {
    const result = await host.agent(['reconcile']);
    assert.equal(result.exitCode, 0, result.stderr);
    const rules = (await host.rules()).filter((r) => r.priority >= 30000 && r.priority < 30256).map((r) => `${r.priority} ${r.src} ${r.table}`);
    assert.deepEqual(rules.sort(), ['30001 10.0.0.50 1001', '30002 10.0.0.30 1002']);
    assert.ok((await host.routes('main')).some((r) => r.dst === 'default' && r.dev === 'ens5' && r.metric === 1001));
    const record = JSON.parse(await readFile(path.join(host.root, 'var/lib/eni-agent/managed.json'), 'utf8')) as { indexes: Record<string, number> };
    assert.deepEqual(record.indexes, { '00:16:3e:00:00:05': 1 });
    const again = await host.agent(['reconcile', '--json']);
    assert.deepEqual((JSON.parse(again.stdout) as { actions: unknown[] }).actions, []);
  });
});
