// The daemon on a simulated ECS host (netns testbed): converges at start, routes hot-plugged ENIs
// (metadata first and link first), cleans up a detached ENI, reloads on SIGHUP, exits 0 on
// SIGTERM, converges again after kill -9 without duplicates, stays quiet on no-op passes, and a
// restart leaves the DHCP clients ifup started alive.
//
// Only processes this test started are signalled, by their pid; the testbed (namespaces, dnsmasq,
// dhclient) is destroyed in after() even when a test fails.

import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AGENT, createAgentHost, requireRoot, type AgentHost } from './harness.js';
import type { NicSpec } from '../testbed/testbed.js';
import { pidAlive, type TrackedProcess } from '../testbed/netns.js';

const FAST = "*/2 * * * * *";
const SLOW = '0 0 1 1 *';
const TEXTFILE = '/var/lib/node_exporter/textfile_collector/eni_agent.prom';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function ourRules(host: AgentHost): Promise<string[]> {
  return (await host.rules()).filter((r) => r.priority >= 30000 && r.priority < 30256).map((r) => `${r.priority} ${r.src} ${r.table}`).sort();
}

describe('daemon on a simulated ECS host (netns)', function () {
  this.timeout(180_000);
  let host: AgentHost | undefined;
  let daemon: TrackedProcess | undefined;
  let configFile = '';

  const writeConfig = async (schedule: string) => {
    await writeFile(
      configFile,
      ['daemon:', `  schedule: "${schedule}"`, '  debounceMs: 200', '  pendingRetrySeconds: 120', 'metrics:', `  textfile: ${TEXTFILE}`, 'metadata:', '  timeoutMs: 1000', ''].join('\n'),
    );
  };

  const start = async (env?: Record<string, string>): Promise<TrackedProcess> => {
    const h = host!;
    const proc = h.tb.spawn(['node', AGENT, 'daemon', '--root', h.root, '--metadata-url', h.url, '--distro', 'debian', '--config', configFile, '--log-level', 'info'], {
      maxOutputBytes: 4 * 1024 * 1024,
      env,
    });
    daemon = proc;
    await waitFor('the daemon to be ready', async () => /info: ready \(/.test(proc.output()) || (!proc.running && Promise.reject(new Error(`daemon exited: ${proc.output()}`))), 60_000);
    return proc;
  };

  const stop = async (): Promise<void> => {
    const proc = daemon;
    daemon = undefined;
    if (proc?.running) await proc.stop(15_000);
  };

  const nic = (n: number, suffix: string): NicSpec => ({ name: `eth${n}`, mac: `00:16:3e:00:00:${suffix}`, ip: `10.0.0.${n}${suffix.slice(-1)}` });

  /** Metadata = the given NICs (eth0 primary). */
  const setMetadata = async (nics: readonly NicSpec[]) => {
    await host!.writeScenario({ meta: host!.metaFor(nics, host!.tb.nics[0]!.mac) });
  };

  before(async function () {
    requireRoot(this);
    host = await createAgentHost({ secondaryIps: { eth2: ['10.0.0.31'] } });
    configFile = path.join(host.tb.tmpDir, 'daemon.yaml');
    await writeConfig(FAST);
  });

  after(async () => {
    await stop();
    await host?.destroy();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && daemon) console.log(`--- daemon output ---\n${daemon.output().slice(-6000)}`);
  });

  it('converges at start, writes the summary and the metrics textfile', async () => {
    await start();
    assert.deepEqual(await ourRules(host!), ['30001 10.0.0.20 1001', '30002 10.0.0.30 1002', '30002 10.0.0.31 1002']);
    const summary = JSON.parse(await readFile(path.join(host!.root, 'var/lib/eni-agent/last-pass.json'), 'utf8')) as { result: string };
    assert.ok(['changed', 'converged'].includes(summary.result), JSON.stringify(summary));
    const prom = await readFile(path.join(host!.root, TEXTFILE), 'utf8');
    assert.match(prom, /^eni_agent_passes_total\{result="changed"\} [1-9]/m);
    assert.match(prom, /^eni_agent_managed_nics 3$/m);
    assert.match(prom, /^eni_agent_last_success_timestamp_seconds \d+/m);
  });

  it('no-op schedule passes log nothing at info', async () => {
    // Let the passes that follow the first one (DHCP settling) finish, then watch.
    await sleep(3000);
    const before = daemon!.output().length;
    const passesBefore = await passCount();
    await sleep(5000);
    const passesAfter = await passCount();
    assert.ok(passesAfter - passesBefore >= 2, `schedule passes ran: ${passesBefore} → ${passesAfter}`);
    assert.equal(daemon!.output().slice(before), '', 'no new log lines');
  });

  async function passCount(): Promise<number> {
    const prom = await readFile(path.join(host!.root, TEXTFILE), 'utf8');
    return [...prom.matchAll(/^eni_agent_passes_total\{result="[^"]+"\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  }

  it('hot-plug, metadata first: the new link is routed shortly after it appears', async () => {
    const eth3 = nic(3, '04');
    await setMetadata([...host!.tb.nics, eth3]);
    await sleep(2500); // metadata-only NIC: pending, nothing to do yet
    const mark = daemon!.output().length;
    const t0 = Date.now();
    await host!.tb.addNic(eth3);
    await waitFor('the eth3 rule', async () => (await ourRules(host!)).includes(`30003 ${eth3.ip} 1003`), 30_000, 20);
    const latency = Date.now() - t0;
    // Let that pass finish (tuning comes after the rules) before the next test detaches eth3.
    await waitFor('the pass to end', async () => daemon!.output().slice(mark).includes('pass applied'), 10_000);
    console.log(`      hot-plug latency (metadata first): link appears → rule installed in ${latency} ms`);
    assert.ok((await host!.routes(1003)).some((r) => r.dst === 'default' && r.dev === 'eth3'));
  });

  it('a detached ENI (gone from metadata and kernel) is cleaned up', async () => {
    await host!.tb.removeNic('eth3');
    await setMetadata(host!.tb.nics);
    await waitFor('eth3 cleanup', async () => !(await ourRules(host!)).some((r) => r.endsWith(' 1003')), 30_000);
    await waitFor('eth3 file removal', async () => !(await readdir(path.join(host!.root, 'etc/network/interfaces.d'))).includes('eth3'), 10_000);
    assert.equal((await host!.tb.exec(['ip', '-4', 'route', 'show', 'table', '1003'])).stdout.trim(), '');
  });

  it('a metadata outage is logged and retried; nothing is removed; the daemon recovers', async () => {
    const rulesBefore = await ourRules(host!);
    const mark = daemon!.output().length;
    // Metadata would now say every ENI is gone; a failure must never be read as that.
    await host!.writeScenario({ meta: host!.metaFor([host!.tb.nics[0]!], host!.tb.nics[0]!.mac), fault: { kind: '500' } });
    try {
      await waitFor('the metadata error', async () => /error: metadata service unavailable/.test(daemon!.output().slice(mark)), 30_000);
      await sleep(3000);
      assert.ok(daemon!.running, 'still running');
      assert.deepEqual(await ourRules(host!), rulesBefore);
    } finally {
      await host!.writeScenario({ meta: host!.metaFor(host!.tb.nics, host!.tb.nics[0]!.mac), fault: null });
    }
    await waitFor('recovery', async () => daemon!.output().slice(mark).includes('recovered: pass succeeded'), 30_000);
    assert.deepEqual(await ourRules(host!), rulesBefore);
    const prom = await readFile(path.join(host!.root, TEXTFILE), 'utf8');
    assert.match(prom, /^eni_agent_metadata_errors_total\{kind="[a-z-]+"\} [1-9]/m);
  });

  it('SIGHUP reloads the configuration and reconciles', async () => {
    await writeConfig(SLOW);
    const mark = daemon!.output().length;
    assert.ok(daemon!.signal('SIGHUP'));
    await waitFor('the reload log line', async () => daemon!.output().slice(mark).includes('SIGHUP: reloading'), 10_000);
    await sleep(1500);
    // The slow schedule is in force: drift stays until the next trigger...
    await host!.tb.exec(['ip', 'rule', 'del', 'from', '10.0.0.31', 'lookup', '1002', 'priority', '30002'], { check: true });
    await sleep(4000);
    assert.ok(!(await ourRules(host!)).includes('30002 10.0.0.31 1002'), 'the fast schedule was replaced');
    // ...and SIGHUP itself reconciles.
    daemon!.signal('SIGHUP');
    await waitFor('drift repaired after SIGHUP', async () => (await ourRules(host!)).includes('30002 10.0.0.31 1002'), 15_000);
  });

  it('hot-plug, link first: routed soon after its metadata appears (pending backoff, no schedule)', async () => {
    const eth4 = nic(4, '05');
    const linkAt = Date.now();
    await host!.tb.addNic(eth4);
    await sleep(2000);
    assert.ok(!(await ourRules(host!)).some((r) => r.endsWith(' 1004')), 'nothing without metadata');
    const t0 = Date.now();
    await setMetadata(host!.tb.nics);
    await waitFor('the eth4 rule', async () => (await ourRules(host!)).includes(`30004 ${eth4.ip} 1004`), 30_000, 20);
    const latency = Date.now() - t0;
    console.log(`      hot-plug latency (link first): metadata appears → rule installed in ${latency} ms (${Date.now() - linkAt} ms after the link appeared; schedule: yearly)`);
    assert.ok(latency < 15_000, `${latency} ms`);
  });

  it('SIGTERM exits 0; the DHCP clients ifup started survive a daemon restart', async () => {
    const dhclient = await dhclientPid(host!, 'eth1');
    assert.ok(dhclient, 'a dhclient for eth1 runs in the guest namespace');
    const proc = daemon!;
    proc.signal('SIGTERM');
    const exit = await Promise.race([proc.exited, sleep(20_000).then(() => null)]);
    assert.ok(exit, 'exited within 20 s');
    assert.equal(exit.exitCode, 0, proc.output().slice(-2000));
    daemon = undefined;
    assert.ok(pidAlive(dhclient), `dhclient ${dhclient} alive after stop`);
    await start();
    assert.ok(pidAlive(dhclient), `dhclient ${dhclient} alive after start`);
    assert.equal(await dhclientPid(host!, 'eth1'), dhclient, 'the same dhclient, not a new one');
  });

  it('kill -9 and restart: converges, no duplicated rules or routes', async () => {
    await host!.tb.exec(['ip', 'rule', 'del', 'from', '10.0.0.20', 'lookup', '1001', 'priority', '30001'], { check: true });
    const proc = daemon!;
    proc.signal('SIGKILL');
    await proc.exited;
    daemon = undefined;
    await start();
    await waitFor('eth1 rule back', async () => (await ourRules(host!)).includes('30001 10.0.0.20 1001'), 30_000);
    const rules = await ourRules(host!);
    assert.deepEqual(rules, [...new Set(rules)], 'no duplicate rules');
    assert.deepEqual(rules, ['30001 10.0.0.20 1001', '30002 10.0.0.30 1002', '30002 10.0.0.31 1002', '30004 10.0.0.45 1004']);
    const main = await host!.routes('main');
    for (const n of [1, 2, 4]) assert.equal(main.filter((r) => r.dst === 'default' && r.dev === `eth${n}`).length, 1, JSON.stringify(main));
  });

  it('with NOTIFY_SOCKET set, readiness goes to systemd-notify --ready after the first pass', async function () {
    if ((await host!.tb.exec(['python3', '-c', 'pass'])).exitCode !== 0 || (await host!.tb.exec(['systemd-notify', '--help'])).exitCode !== 0) {
      console.log('      (skipped: needs python3 and systemd-notify)');
      this.skip();
    }
    await stop();
    const sock = path.join(host!.tb.tmpDir, 'notify.sock');
    const out = path.join(host!.tb.tmpDir, 'notify.out');
    // A stand-in for PID 1's notify socket: prints each datagram, closes passed fds (BARRIER=1).
    const receiver = host!.tb.spawn(['python3', '-c', NOTIFY_RECEIVER, sock, out]);
    try {
      await waitFor('the notify socket', async () => (await readFile(out, 'utf8').catch(() => '')).includes('LISTENING'), 10_000);
      await start({ NOTIFY_SOCKET: sock });
      const text = await waitFor('READY=1', async () => {
        const t = await readFile(out, 'utf8');
        return t.includes('READY=1') ? t : undefined;
      }, 15_000);
      assert.match(text, /STATUS=first pass: (converged|changed)/);
    } finally {
      await receiver.stop(2000);
    }
  });

  it('the CLI and the daemon exclude each other through the lock (both succeed)', async () => {
    const result = await host!.agent(['reconcile']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(daemon!.running);
  });
});

/** The dhclient for `ifname` in the guest namespace: `ip netns pids` + /proc/<pid>/cmdline, read-only. */
async function dhclientPid(host: AgentHost, ifname: string): Promise<number | undefined> {
  for (const pid of await host.tb.guestPids()) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const argv = cmdline.split('\0');
    if (path.basename(argv[0] ?? '').startsWith('dhclient') && argv.includes(ifname)) return pid;
  }
  return undefined;
}

const NOTIFY_RECEIVER = `
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], 'a', buffering=1)
out.write('LISTENING\\n')
while True:
    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(64))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array('i')
            fds.frombytes(data[: len(data) - len(data) % 4])
            for fd in fds:
                os.close(fd)
    out.write(msg.decode() + '\\n')
`;
