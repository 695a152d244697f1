// The walking skeleton end to end: a simulated ECS host (eth0 primary, eth1 and eth2 secondary
// ENIs, one with secondary IPs), the real agent CLI run inside the guest namespace, and
// assertions on real kernel state, real files and real traffic.

import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAgentHost, requireRoot, type AgentHost } from './harness.js';

const MANAGED = '# Managed by eni-agent';

async function ourRules(host: AgentHost): Promise<string[]> {
  return (await host.rules()).filter((r) => r.priority >= 30000 && r.priority < 30256).map((r) => `${r.priority} ${r.src} ${r.table}`).sort();
}

describe('reconcile on a simulated ECS host (netns)', function () {
  this.timeout(180_000);
  let host: AgentHost;

  before(function () {
    requireRoot(this);
  });

  describe('cold pass, re-run, traffic, status, teardown', () => {
    before(async () => {
      host = await createAgentHost({ secondaryIps: { eth2: ['10.0.0.31', '10.0.0.32'] } });
    });
    after(async () => {
      await host?.destroy();
    });

    it('dry run prints the plan and changes nothing', async () => {
      const result = await host.agent(['reconcile', '--dry-run', '--json']);
      assert.equal(result.exitCode, 0, result.stderr);
      const plan = JSON.parse(result.stdout) as { actions: Array<{ kind: string; description: string }> };
      assert.ok(plan.actions.some((a) => a.kind === 'add-rule' && a.description.includes('from 10.0.0.31/32 lookup 1002')));
      assert.deepEqual(await ourRules(host), []);
      assert.deepEqual(await readdir(path.join(host.root, 'etc/network/interfaces.d')), []);
      assert.deepEqual(await host.addresses('eth1'), []);
    });

    it('one pass takes every secondary ENI from attached to fully routed', async () => {
      const result = await host.agent(['reconcile']);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.deepEqual(await ourRules(host), ['30001 10.0.0.20 1001', '30002 10.0.0.30 1002', '30002 10.0.0.31 1002', '30002 10.0.0.32 1002']);
      for (const [n, ip] of [[1, '10.0.0.20'], [2, '10.0.0.30']] as const) {
        const table = await host.routes(1000 + n);
        assert.ok(table.some((r) => r.dst === 'default' && r.gateway === '10.0.0.253' && r.dev === `eth${n}`), JSON.stringify(table));
        assert.ok(table.some((r) => r.dst === '10.0.0.0/24' && r.dev === `eth${n}` && r.prefsrc === ip), JSON.stringify(table));
      }
      const main = await host.routes('main');
      for (const n of [1, 2]) {
        assert.equal(main.filter((r) => r.dst === 'default' && r.dev === `eth${n}` && r.metric === 1000 + n).length, 1, JSON.stringify(main));
      }
      assert.deepEqual((await host.addresses('eth2')).sort(), ['10.0.0.30', '10.0.0.31', '10.0.0.32']);
      const file = await readFile(path.join(host.root, 'etc/network/interfaces.d/eth1'), 'utf8');
      assert.ok(file.startsWith(MANAGED), file);
      assert.match(file, /iface eth1 inet dhcp/);
      assert.match(file, /metric 1001/);
    });

    it('never touches the primary NIC', async () => {
      assert.deepEqual(await host.addresses('eth0'), ['10.0.0.10']);
      const main = await host.routes('main');
      const defaults = main.filter((r) => r.dst === 'default');
      assert.ok(defaults.some((r) => r.dev === 'eth0' && r.metric === undefined), 'primary keeps the metric-0 default');
      assert.ok(!(await host.rules()).some((r) => r.src === '10.0.0.10'), 'no rule for the primary');
      await assert.rejects(readFile(path.join(host.root, 'etc/network/interfaces.d/eth0'), 'utf8'));
    });

    it('a second pass changes nothing and duplicates nothing', async () => {
      const before = { rules: await host.rules(), main: await host.routes('main'), t1: await host.routes(1001), t2: await host.routes(1002) };
      const result = await host.agent(['reconcile', '--json']);
      assert.equal(result.exitCode, 0, result.stderr);
      const report = JSON.parse(result.stdout) as { converged: boolean; actions: unknown[] };
      assert.equal(report.converged, true, result.stdout);
      assert.deepEqual(report.actions, []);
      assert.deepEqual({ rules: await host.rules(), main: await host.routes('main'), t1: await host.routes(1001), t2: await host.routes(1002) }, before);
      assert.doesNotMatch(result.stderr, /^(info|warn|error):/m, 'a no-op pass logs nothing above debug');
    });

    it('traffic from each secondary IP leaves through its own NIC', async () => {
      for (const [ifname, ip] of [['eth1', '10.0.0.20'], ['eth2', '10.0.0.30'], ['eth2', '10.0.0.31'], ['eth2', '10.0.0.32']] as const) {
        const before = { own: await host.tb.linkStats(ifname), primary: await host.tb.linkStats('eth0') };
        const ping = await host.tb.exec(['ping', '-n', '-q', '-c', '5', '-i', '0.2', '-W', '2', '-I', ip, '10.0.0.253']);
        assert.equal(ping.exitCode, 0, `ping from ${ip}: ${ping.stdout}${ping.stderr}`);
        const after = { own: await host.tb.linkStats(ifname), primary: await host.tb.linkStats('eth0') };
        assert.ok(after.own.txPackets - before.own.txPackets >= 5, `${ip}: ${ifname} sent ${after.own.txPackets - before.own.txPackets}`);
        assert.ok(after.primary.txPackets - before.primary.txPackets < 5, `${ip}: eth0 sent ${after.primary.txPackets - before.primary.txPackets}`);
      }
    });

    it('status shows every NIC converged', async () => {
      const result = await host.agent(['status', '--json']);
      assert.equal(result.exitCode, 0, result.stderr);
      const status = JSON.parse(result.stdout) as { nics: Array<{ ifname: string; role: string; state: string; rules: string; table?: number }> };
      const byName = Object.fromEntries(status.nics.map((n) => [n.ifname, n]));
      assert.equal(byName.eth0?.role, 'primary');
      assert.equal(byName.eth2?.rules, '3/3');
      assert.equal(byName.eth2?.table, 1002);
      assert.ok(status.nics.every((n) => n.state === 'converged'), result.stdout);
    });

    it('drift (a deleted rule, a deleted table route) is marked and repaired', async () => {
      await host.tb.exec(['ip', 'rule', 'del', 'from', '10.0.0.31', 'lookup', '1002', 'priority', '30002'], { check: true });
      await host.tb.exec(['ip', 'route', 'del', 'default', 'table', '1001'], { check: true });
      const status = JSON.parse((await host.agent(['status', '--json'])).stdout) as { nics: Array<{ ifname: string; state: string }> };
      assert.equal(status.nics.find((n) => n.ifname === 'eth2')?.state, 'drift');
      assert.equal(status.nics.find((n) => n.ifname === 'eth1')?.state, 'drift');
      const result = await host.agent(['reconcile']);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.ok((await ourRules(host)).includes('30002 10.0.0.31 1002'));
      assert.ok((await host.routes(1001)).some((r) => r.dst === 'default'));
    });

    it('rules and routes the agent did not create survive reconcile and teardown', async () => {
      await host.tb.exec(['ip', 'rule', 'add', 'from', '10.0.0.99', 'lookup', '1001', 'priority', '100'], { check: true });
      await host.tb.exec(['ip', 'rule', 'add', 'from', '10.0.0.98', 'lookup', '500', 'priority', '30001'], { check: true });
      await host.tb.exec(['ip', 'route', 'add', '192.168.50.0/24', 'via', '10.0.0.253', 'dev', 'eth1', 'table', '1001'], { check: true });
      assert.equal((await host.agent(['reconcile'])).exitCode, 0);
      assert.ok((await host.routes(1001)).some((r) => r.dst === '192.168.50.0/24'), 'a foreign route in our table survives reconcile');
      assert.ok((await host.rules()).some((r) => r.priority === 30001 && r.src === '10.0.0.98'), 'a foreign rule at our priority survives reconcile');
      const teardown = await host.agent(['teardown']);
      assert.equal(teardown.exitCode, 0, teardown.stderr);
      const rules = await host.rules();
      assert.ok(rules.some((r) => r.priority === 100 && r.src === '10.0.0.99'), JSON.stringify(rules));
      assert.ok(rules.some((r) => r.priority === 30001 && r.src === '10.0.0.98' && r.table === '500'), JSON.stringify(rules));
      // (The foreign route went with ifdown: the kernel flushes a downed link's routes.)
      assert.deepEqual((await ourRules(host)).filter((r) => !r.includes('10.0.0.98')), []);
      assert.deepEqual(await readdir(path.join(host.root, 'etc/network/interfaces.d')), []);
      assert.deepEqual(await host.addresses('eth2'), [], 'ifdown released the lease and the aliases are gone');
    });
  });

  describe('metadata failures change nothing', () => {
    before(async () => {
      host = await createAgentHost({ nics: undefined });
      assert.equal((await host.agent(['reconcile'])).exitCode, 0);
    });
    after(async () => {
      await host?.destroy();
    });

    for (const kind of ['500', '429', 'garbage', 'hang'] as const) {
      it(`${kind}: exit 3, nothing removed, within a bounded time`, async () => {
        const rulesBefore = await ourRules(host);
        const filesBefore = await readdir(path.join(host.root, 'etc/network/interfaces.d'));
        // Metadata now says the ENIs are gone; a failure must never be read as that.
        await host.writeScenario({ meta: host.metaFor([host.tb.nics[0]!], host.tb.nics[0]!.mac), fault: { kind } });
        await writeFile(path.join(host.root, 'config.yaml'), 'metadata:\n  timeoutMs: 500\n  retries: 2\n');
        const result = await host.agent(['reconcile', '--config', path.join(host.root, 'config.yaml')]);
        await host.writeScenario({ meta: host.metaFor(host.tb.nics, host.tb.nics[0]!.mac), fault: null });
        assert.equal(result.exitCode, 3, `${result.stdout}\n${result.stderr}`);
        assert.ok(result.durationMs < 30_000, `took ${result.durationMs} ms`);
        assert.match(result.stderr, /metadata/i);
        assert.deepEqual(await ourRules(host), rulesBefore);
        assert.deepEqual(await readdir(path.join(host.root, 'etc/network/interfaces.d')), filesBefore);
      });
    }
  });

  describe('NICs the agent must leave alone or clean up', () => {
    before(async () => {
      host = await createAgentHost({
        nics: [
          { name: 'eth0', mac: '00:16:3e:00:00:01', ip: '10.0.0.10' },
          { name: 'eth1', mac: '00:16:3e:00:00:02', ip: '10.0.0.20' },
          { name: 'eth2', mac: '00:16:3e:00:00:03', ip: '10.0.0.30' },
          { name: 'eth3', mac: '00:16:3e:00:00:04', ip: '10.0.0.40' },
        ],
        secondaryIps: { eth2: ['10.0.0.31'] },
        notInMetadata: ['eth3'],
      });
    });
    after(async () => {
      await host?.destroy();
    });

    it('a kernel NIC missing from metadata is untouched; a metadata MAC with no NIC is no error', async () => {
      await host.tb.exec(['ip', 'addr', 'add', '10.0.0.44/24', 'dev', 'eth3'], { check: true });
      const meta = host.metaFor(host.tb.nics.slice(0, 3), host.tb.nics[0]!.mac) as { network: { interfaces: { macs: Record<string, unknown> } } };
      meta.network.interfaces.macs['00:16:3e:00:00:99'] = { 'primary-ip-address': '10.0.0.90', netmask: '255.255.255.0', gateway: '10.0.0.253', 'private-ipv4s': ['10.0.0.90'] };
      await host.writeScenario({ meta });
      const result = await host.agent(['reconcile']);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.deepEqual(await host.addresses('eth3'), ['10.0.0.44']);
      assert.ok(!(await host.rules()).some((r) => r.table === '1003'));
      await assert.rejects(readFile(path.join(host.root, 'etc/network/interfaces.d/eth3'), 'utf8'));
      const status = JSON.parse((await host.agent(['status', '--json'])).stdout) as { nics: Array<{ mac: string; state: string; role: string }> };
      assert.equal(status.nics.find((n) => n.mac === '00:16:3e:00:00:99')?.state, 'pending');
      assert.equal(status.nics.find((n) => n.mac === '00:16:3e:00:00:04')?.role, 'unknown');
    });

    it('a secondary IP dropped from metadata loses its alias and rule', async () => {
      await host.setMetadataNics(host.tb.nics.slice(0, 3).map((n) => n));
      host.secondaryIps.eth2 = [];
      await host.setMetadataNics(host.tb.nics.slice(0, 3));
      const result = await host.agent(['reconcile']);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.deepEqual(await host.addresses('eth2'), ['10.0.0.30']);
      assert.deepEqual((await ourRules(host)).filter((r) => r.endsWith(' 1002')), ['30002 10.0.0.30 1002']);
    });

    it('an ENI gone from both metadata and kernel is cleaned up: rules, routes, files', async () => {
      await host.tb.removeNic('eth2');
      await host.setMetadataNics([host.tb.nics[0]!, host.tb.nics.find((n) => n.name === 'eth1')!]);
      const result = await host.agent(['reconcile']);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.deepEqual(await ourRules(host), ['30001 10.0.0.20 1001']);
      assert.deepEqual(await readdir(path.join(host.root, 'etc/network/interfaces.d')), ['eth1']);
      const table = await host.tb.exec(['ip', '-4', 'route', 'show', 'table', '1002']);
      assert.equal(table.stdout.trim(), '');
    });
  });

  describe('hostile metadata values are refused per NIC', () => {
    before(async () => {
      host = await createAgentHost();
    });
    after(async () => {
      await host?.destroy();
    });

    const hostile: Array<[string, Record<string, unknown>]> = [
      ['a newline in gateway', { gateway: '10.0.0.253\nGATEWAY=6.6.6.6' }],
      ['shell metacharacters in the IP list', { 'private-ipv4s': ['10.0.0.30', '$(touch /tmp/pwned)', '10.0.0.31;reboot'] }],
      ['a corrupt netmask', { netmask: '255.0.255.0' }],
    ];
    for (const [what, patch] of hostile) {
      it(`${what}: that NIC is refused with a clear log line, the others converge`, async () => {
        const meta = host.metaFor(host.tb.nics, host.tb.nics[0]!.mac) as { network: { interfaces: { macs: Record<string, Record<string, unknown>> } } };
        Object.assign(meta.network.interfaces.macs['00:16:3e:00:00:03']!, patch);
        await host.writeScenario({ meta });
        const result = await host.agent(['reconcile']);
        assert.equal(result.exitCode, 1, result.stderr);
        assert.match(result.stderr, /00:16:3e:00:00:03.*refused/);
        assert.ok((await ourRules(host)).includes('30001 10.0.0.20 1001'), 'eth1 converged');
        assert.ok(!(await host.rules()).some((r) => r.table === '1002'), 'nothing for eth2');
        const files = await readdir(path.join(host.root, 'etc/network/interfaces.d'));
        assert.deepEqual(files, ['eth1']);
        const text = await readFile(path.join(host.root, 'etc/network/interfaces.d/eth1'), 'utf8');
        assert.doesNotMatch(text, /6\.6\.6\.6|pwned|reboot/);
      });
    }
  });

  describe('files the agent does not own, the lock', () => {
    before(async () => {
      host = await createAgentHost();
    });
    after(async () => {
      await host?.destroy();
    });

    it('an unmanaged file at a target path is a conflict (exit 1, named); the other NIC converges; --force keeps a backup', async () => {
      const target = path.join(host.root, 'etc/network/interfaces.d/eth1');
      await writeFile(target, 'iface eth1 inet manual\n');
      const result = await host.agent(['reconcile']);
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /interfaces\.d\/eth1.*not managed/);
      assert.equal(await readFile(target, 'utf8'), 'iface eth1 inet manual\n');
      assert.ok((await ourRules(host)).includes('30002 10.0.0.30 1002'));
      const forced = await host.agent(['reconcile', '--force']);
      assert.equal(forced.exitCode, 0, forced.stderr);
      assert.equal(await readFile(`${target}.eni-agent.bak`, 'utf8'), 'iface eth1 inet manual\n');
      assert.ok((await readFile(target, 'utf8')).startsWith(MANAGED));
    });

    it('two passes at once never interleave: the second waits, nothing is duplicated', async () => {
      await host.agent(['teardown']);
      await host.writeScenario({ fault: { kind: 'slow', delayMs: 1500, count: 1 } });
      const [a, b] = await Promise.all([host.agent(['reconcile']), new Promise((r) => setTimeout(r, 300)).then(() => host.agent(['reconcile']))]);
      await host.writeScenario({ fault: null });
      assert.equal(a.exitCode, 0, a.stderr);
      assert.equal(b.exitCode, 0, b.stderr);
      assert.ok(b.durationMs > 1000, `second pass waited for the lock (${b.durationMs} ms)`);
      assert.deepEqual(await ourRules(host), ['30001 10.0.0.20 1001', '30002 10.0.0.30 1002']);
    });

    it('warns when /etc/network/interfaces does not source interfaces.d', async () => {
      await writeFile(path.join(host.root, 'etc/network/interfaces'), 'auto lo\niface lo inet loopback\n');
      const result = await host.agent(['reconcile']);
      assert.equal(result.exitCode, 0);
      assert.match(result.stderr, /does not source \/etc\/network\/interfaces\.d/);
    });
  });
});
