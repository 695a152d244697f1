// Proves the testbed itself: namespaces, NICs, DHCP through ifup, counters, hot-plug, and that
// nothing is left behind — after destroy(), after a crash, and after SIGINT/SIGTERM.
// Needs root (network namespaces); skipped otherwise.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { registeredTeardowns } from '../testbed/cleanup.js';
import { listNamespaces, pidAlive } from '../testbed/netns.js';
import { createTestbed, defaultNics, GATEWAY_MAC, type Testbed } from '../testbed/testbed.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const testbedModule = fileURLToPath(new URL('../testbed/testbed.js', import.meta.url));

interface Leftovers {
  namespaces: string[];
  tmpDir: string;
  pids: number[];
}

async function assertNothingLeft(what: Leftovers): Promise<void> {
  const live = await listNamespaces();
  for (const ns of what.namespaces) {
    assert.ok(!live.includes(ns), `namespace ${ns} still exists`);
    assert.ok(!existsSync(join('/etc/netns', ns)), `/etc/netns/${ns} still exists`);
  }
  for (const pid of what.pids) assert.ok(!pidAlive(pid), `pid ${pid} still alive`);
  assert.ok(!existsSync(what.tmpDir), `${what.tmpDir} still exists`);
}

/** Interface file + state dir for `ifup -i FILE --state-dir DIR IFACE` under the testbed's temp dir. */
async function ifupFiles(tb: Testbed, ifname: string, metric: number): Promise<{ file: string; stateDir: string }> {
  const root = join(tb.tmpDir, 'root');
  const file = join(root, 'etc/network/interfaces.d', ifname);
  const stateDir = join(root, 'run/network');
  await mkdir(join(root, 'etc/network/interfaces.d'), { recursive: true });
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, `auto ${ifname}\niface ${ifname} inet dhcp\n    metric ${metric}\n`);
  return { file, stateDir };
}

interface JsonAddr { ifname: string; operstate: string; address: string; addr_info: { family: string; local: string; prefixlen: number }[] }
interface JsonRoute { dst: string; gateway?: string; dev: string; metric?: number }
interface JsonLink { ifname: string; master?: string; address: string }

describe('testbed: network namespaces that play an ECS host', function () {
  this.timeout(120_000);
  let tb: Testbed | undefined;
  let leftovers: Leftovers | undefined;

  before(function () {
    if (!isRoot) {
      console.log('    (skipped: the testbed needs root for network namespaces — run as root)');
      this.skip();
    }
  });

  /** Create and remember what must be gone afterwards (pids are added by tests). */
  async function build(nics = defaultNics(3, { queues: 4 })): Promise<Testbed> {
    tb = await createTestbed({ nics });
    leftovers = { namespaces: [tb.vpcNs, tb.guestNs], tmpDir: tb.tmpDir, pids: [...tb.ownPids()] };
    return tb;
  }

  // Runs whether the test passed or failed: that is what makes a failing test clean up.
  afterEach(async function () {
    if (tb) {
      leftovers?.pids.push(...(await tb.guestPids()), ...(await tb.vpcPids()));
      const report = await tb.destroy();
      tb = undefined;
      assert.deepEqual(report.errors, []);
      if (leftovers) await assertNothingLeft(leftovers);
    }
    assert.equal(registeredTeardowns(), 0);
  });

  it('builds vpc + guest namespaces: br0 with the gateway, eth0 up and configured, secondaries down', async function () {
    const t = await build();
    assert.match(t.vpcNs, new RegExp(`^eni-vpc-${process.pid}-[0-9]+$`));
    assert.match(t.guestNs, new RegExp(`^eni-guest-${process.pid}-[0-9]+$`));
    const names = await listNamespaces();
    assert.ok(names.includes(t.vpcNs) && names.includes(t.guestNs));
    assert.ok(existsSync(join('/etc/netns', t.guestNs, 'resolv.conf')));

    const addrs = await t.ipJson<JsonAddr[]>(['addr', 'show']);
    const byName = new Map(addrs.map((a) => [a.ifname, a]));
    assert.deepEqual([...byName.keys()].sort(), ['eth0', 'eth1', 'eth2', 'lo']);
    assert.equal(byName.get('eth0')?.address, '00:16:3e:00:00:01');
    assert.deepEqual(byName.get('eth0')?.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`), ['10.0.0.10/24']);
    for (const n of ['eth1', 'eth2']) {
      assert.equal(byName.get(n)?.operstate, 'DOWN');
      assert.deepEqual(byName.get(n)?.addr_info.filter((a) => a.family === 'inet'), []);
    }
    const routes = await t.ipJson<JsonRoute[]>(['route', 'show', 'default']);
    assert.deepEqual(routes.map((r) => [r.gateway, r.dev]), [['10.0.0.253', 'eth0']]);

    const queues = await t.exec(['ls', '/sys/class/net/eth1/queues'], { check: true });
    assert.deepEqual(queues.stdout.split('\n').filter(Boolean).sort(), ['rx-0', 'rx-1', 'rx-2', 'rx-3', 'tx-0', 'tx-1', 'tx-2', 'tx-3']);

    const vpcLinks = await ipJsonIn(t, ['link', 'show']);
    assert.equal(vpcLinks.find((l) => l.ifname === 'br0')?.address, GATEWAY_MAC);
    assert.deepEqual(vpcLinks.filter((l) => l.master === 'br0').map((l) => l.ifname).sort(), ['p0', 'p1', 'p2']);
    const ping = await t.exec(['ping', '-c1', '-W', '2', t.gateway]);
    assert.equal(ping.exitCode, 0, ping.stdout + ping.stderr);

    const dnsmasqPid = t.dnsmasq?.pid;
    assert.ok(dnsmasqPid !== undefined && pidAlive(dnsmasqPid));
    assert.deepEqual(await t.vpcPids(), [dnsmasqPid]);
    assert.deepEqual(await t.guestPids(), []);
  });

  it('ifup in the guest gets the dnsmasq lease and the metric route; policy routing sends a ping out of eth1', async function () {
    const t = await build();
    const { file, stateDir } = await ifupFiles(t, 'eth1', 1001);
    const up = await t.exec(['ifup', '-i', file, '--state-dir', stateDir, 'eth1'], { timeoutMs: 60_000 });
    assert.equal(up.exitCode, 0, up.stderr);
    assert.ok(up.durationMs < 20_000, `ifup took ${up.durationMs} ms`);
    assert.match(up.stderr, /DHCPACK of 10\.0\.0\.20 from 10\.0\.0\.253/);

    const eth1 = (await t.ipJson<JsonAddr[]>(['addr', 'show', 'dev', 'eth1']))[0];
    assert.deepEqual(eth1?.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`), ['10.0.0.20/24']);
    const defaults = await t.ipJson<JsonRoute[]>(['route', 'show', 'default']);
    assert.ok(defaults.some((r) => r.gateway === '10.0.0.253' && r.dev === 'eth1' && r.metric === 1001), JSON.stringify(defaults));
    assert.ok(defaults.some((r) => r.dev === 'eth0' && r.metric === undefined), 'primary default route kept');
    assert.deepEqual(await t.dnsmasq?.leases(), [{ mac: '00:16:3e:00:00:02', ip: '10.0.0.20' }]);
    const dhclients = await t.guestPids();
    assert.equal(dhclients.length, 1, 'ifup leaves exactly one dhclient in the guest');
    leftovers?.pids.push(...dhclients);
    assert.equal(await readFile('/etc/resolv.conf', 'utf8').then((s) => s.includes('eni-agent testbed')), false, 'host resolver untouched');

    const again = await t.exec(['ifup', '-i', file, '--state-dir', stateDir, 'eth1']);
    assert.equal(again.exitCode, 0);
    assert.match(again.stderr, /already configured/);

    await t.exec(['ip', 'rule', 'add', 'from', '10.0.0.20', 'lookup', '1001'], { check: true });
    await t.exec(['ip', 'route', 'add', 'default', 'via', '10.0.0.253', 'dev', 'eth1', 'table', '1001'], { check: true });
    const rules = await t.ipJson<{ src?: string; table?: string }[]>(['rule', 'show']);
    assert.ok(rules.some((r) => r.src === '10.0.0.20' && r.table === '1001'));
    const before0 = await t.linkStats('eth0');
    const before1 = await t.linkStats('eth1');
    const ping = await t.exec(['ping', '-I', '10.0.0.20', '-c3', '-i', '0.2', '-W', '2', '10.0.0.253']);
    assert.equal(ping.exitCode, 0, ping.stdout + ping.stderr);
    const after0 = await t.linkStats('eth0');
    const after1 = await t.linkStats('eth1');
    assert.ok(after1.txPackets - before1.txPackets >= 3, 'echo requests left through eth1');
    assert.ok(after1.rxPackets - before1.rxPackets >= 3, 'echo replies came back through eth1');
    assert.equal(after0.txPackets - before0.txPackets, 0, 'nothing left through eth0');

    // ifdown releases the lease and kills the dhclient named in /run/dhclient.eth1.pid. That path
    // is shared by every testbed on this machine: only run it while the file names our dhclient.
    const pidFile = await readFile('/run/dhclient.eth1.pid', 'utf8').catch(() => '');
    if (Number(pidFile.trim()) === dhclients[0]) {
      const down = await t.exec(['ifdown', '-i', file, '--state-dir', stateDir, 'eth1'], { timeoutMs: 30_000 });
      assert.equal(down.exitCode, 0, down.stderr);
      assert.match(down.stderr, /DHCPRELEASE of 10\.0\.0\.20/);
      assert.deepEqual(await t.guestPids(), [], 'ifdown stops dhclient');
      assert.deepEqual(await t.dnsmasq?.leases(), []);
    } else {
      console.log('    (ifdown check skipped: /run/dhclient.eth1.pid does not name our dhclient — another testbed on this machine shares that path)');
    }
  });

  it('hot-plug: addNic attaches a new DOWN NIC that dnsmasq serves; removeNic detaches it', async function () {
    const t = await build(defaultNics(2));
    await t.addNic({ name: 'eth2', mac: '00:16:3e:00:00:2a', ip: '10.0.0.42', numRxQueues: 2, numTxQueues: 2 });
    const link = (await t.ipJson<JsonAddr[]>(['link', 'show', 'dev', 'eth2']))[0];
    assert.equal(link?.address, '00:16:3e:00:00:2a');
    assert.equal(link?.operstate, 'DOWN');
    assert.equal(t.peerOf('eth2'), 'p2');
    assert.ok((await readFile(t.dnsmasq?.hostsFile ?? '', 'utf8')).includes('00:16:3e:00:00:2a,10.0.0.42'));

    const { file, stateDir } = await ifupFiles(t, 'eth2', 1002);
    const up = await t.exec(['ifup', '-i', file, '--state-dir', stateDir, 'eth2'], { timeoutMs: 60_000 });
    assert.equal(up.exitCode, 0, up.stderr);
    assert.match(up.stderr, /DHCPACK of 10\.0\.0\.42/);
    leftovers?.pids.push(...(await t.guestPids()));

    await t.removeNic('eth2');
    assert.equal((await t.exec(['ip', 'link', 'show', 'dev', 'eth2'])).exitCode, 1);
    const vpcLinks = await ipJsonIn(t, ['link', 'show']);
    assert.ok(!vpcLinks.some((l) => l.ifname === 'p2'), 'peer gone with the guest link');
    assert.deepEqual(t.nics.map((n) => n.name), ['eth0', 'eth1']);
    await assert.rejects(() => t.removeNic('eth2'), /no NIC eth2/);
    // eth0 is unaffected
    assert.equal((await t.exec(['ping', '-c1', '-W', '2', t.gateway])).exitCode, 0);
  });

  it('spawn() tracks a long-lived process; destroy() kills it and everything else in the namespaces', async function () {
    const t = await build(defaultNics(2));
    const sleeper = t.spawn(['sleep', '600']);
    // A process the testbed did not start itself, only found through `ip netns pids`.
    const stray = await t.exec(['setsid', '-f', 'sleep', '600'], { check: true, discardOutput: true, timeoutMs: 5000 });
    assert.equal(stray.exitCode, 0);
    const inGuest = await t.guestPids();
    assert.ok(inGuest.includes(sleeper.pid));
    assert.equal(inGuest.length, 2);
    leftovers?.pids.push(...inGuest);
    const report = await t.destroy();
    assert.equal(sleeper.running, false);
    assert.deepEqual(report.survivors, []);
    assert.ok(t.isDestroyed);
    await assert.rejects(() => t.addNic({ name: 'eth5', mac: '00:16:3e:00:00:55', ip: '10.0.0.55' }), /destroyed/);
    // afterEach asserts that nothing remains.
  });

  it('refuses bad specs and cleans up what it had built', async function () {
    await assert.rejects(() => createTestbed({ nics: [{ name: 'eth0', mac: 'nope', ip: '10.0.0.10' }] }), /bad MAC/);
    const dup = defaultNics(2).map((n) => ({ ...n, name: 'eth0' }));
    await assert.rejects(() => createTestbed({ nics: dup }), /already exists/);
    assert.equal(registeredTeardowns(), 0);
    const leftoverNs = (await listNamespaces()).filter((n) => n.startsWith(`eni-vpc-${process.pid}-`) || n.startsWith(`eni-guest-${process.pid}-`));
    assert.deepEqual(leftoverNs, []);
  });

  for (const scenario of ['crash', 'SIGTERM', 'SIGINT'] as const) {
    it(`cleans up when the process ends by ${scenario === 'crash' ? 'an uncaught exception' : scenario}`, async function () {
      // A child process builds a testbed, starts dhclient through ifup, reports, then dies.
      const code = `
        import { createTestbed, defaultNics } from ${JSON.stringify(testbedModule)};
        import { mkdirSync, writeFileSync } from 'node:fs';
        const t = await createTestbed({ nics: defaultNics(2) });
        const dir = t.tmpDir + '/root';
        mkdirSync(dir + '/run', { recursive: true });
        writeFileSync(dir + '/eth1', 'iface eth1 inet dhcp\\n');
        const up = await t.exec(['ifup', '-i', dir + '/eth1', '--state-dir', dir + '/run', 'eth1']);
        const sleeper = t.spawn(['sleep', '600']);
        const pids = [...new Set([...t.ownPids(), ...(await t.guestPids())])];
        console.log(JSON.stringify({ namespaces: [t.vpcNs, t.guestNs], tmpDir: t.tmpDir, pids, up: up.exitCode, sleeper: sleeper.pid }));
        if (${JSON.stringify(scenario)} === 'crash') setTimeout(() => { throw new Error('boom'); }, 10);
        else setInterval(() => {}, 1000);
      `;
      const child = execa('node', ['--input-type=module', '-e', code], { reject: false, stdin: 'ignore', timeout: 60_000 });
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
        });
        void child.then((r) => reject(new Error(`child ended early: ${r.stderr}`)));
      });
      const seen = JSON.parse(line) as Leftovers & { up: number };
      assert.equal(seen.up, 0);
      assert.equal(seen.pids.length, 3, 'dnsmasq, dhclient, sleep');
      for (const pid of seen.pids) assert.ok(pidAlive(pid));
      if (scenario !== 'crash') child.kill(scenario);
      const result = await child;
      if (scenario === 'crash') {
        assert.equal(result.exitCode, 1);
        assert.match(result.stderr, /boom/);
      } else {
        assert.equal(result.signal, scenario, 'the signal is re-raised after cleanup');
      }
      await assertNothingLeft(seen);
    });
  }
});

async function ipJsonIn(t: Testbed, args: string[]): Promise<JsonLink[]> {
  const r = await t.vpcExec(['ip', '-json', ...args], { check: true });
  return JSON.parse(r.stdout) as JsonLink[];
}
