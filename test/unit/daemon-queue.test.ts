// The daemon's building blocks without a kernel: the coalescing pass queue (one pass at a time,
// a trigger during a pass causes exactly one more), the backoffs, the pending-NIC re-check
// window, `ip -o monitor link` parsing and the link monitor's restart on child death.

import assert from 'node:assert/strict';
import { Backoff, PendingRetry } from '../../src/daemon/backoff.js';
import { LinkMonitor, parseLinkList, parseMonitorLine, type LinkEvent } from '../../src/daemon/link-monitor.js';
import { PassQueue, type Trigger } from '../../src/daemon/queue.js';
import { scopedCommand } from '../../src/daemon/scope-runner.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('daemon: PassQueue', () => {
  it('runs one pass per idle trigger', async () => {
    const runs: Trigger[][] = [];
    const q = new PassQueue(async (r) => void runs.push([...r]));
    q.trigger('start');
    await q.idle();
    q.trigger('schedule');
    await q.idle();
    assert.deepEqual(runs, [['start'], ['schedule']]);
  });

  it('triggers during a pass cause exactly one more pass, with every reason', async () => {
    const runs: Trigger[][] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const first = gate();
    const q = new PassQueue(async (r) => {
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      runs.push([...r]);
      if (runs.length === 1) await first.promise;
      concurrent -= 1;
    });
    q.trigger('start');
    for (const t of ['link', 'schedule', 'link', 'pending', 'sighup'] as const) q.trigger(t);
    first.open();
    await q.idle();
    assert.equal(runs.length, 2);
    assert.deepEqual(runs[1]!.sort(), ['link', 'pending', 'schedule', 'sighup']);
    assert.equal(maxConcurrent, 1);
  });

  it('a pass that throws does not stop the queue', async () => {
    let n = 0;
    const q = new PassQueue(async () => {
      n += 1;
      if (n === 1) throw new Error('boom');
    });
    q.trigger('start');
    await q.idle();
    q.trigger('retry');
    await q.idle();
    assert.equal(n, 2);
  });

  it('stop() waits for the pass in progress, drops what is queued and refuses new triggers', async () => {
    const g = gate();
    let n = 0;
    let finished = false;
    const q = new PassQueue(async () => {
      n += 1;
      await g.promise;
      finished = true;
    });
    q.trigger('start');
    q.trigger('link');
    const stopped = q.stop();
    assert.equal(q.trigger('schedule'), false);
    g.open();
    await stopped;
    assert.ok(finished);
    assert.equal(n, 1);
  });
});

describe('daemon: backoff', () => {
  it('doubles from the initial delay and caps at the maximum; reset starts over', () => {
    const b = new Backoff({ initialMs: 500, maxMs: 8000 });
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(() => b.next()), [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    b.reset();
    assert.equal(b.next(), 500);
  });

  it('PendingRetry re-arms while pending, restarts on a new set, stops after the window or when empty', () => {
    let now = 0;
    let fired = 0;
    const retry = new PendingRetry(() => (fired += 1), 10_000, { initialMs: 500, maxMs: 8000 }, () => now);
    try {
      assert.equal(retry.update([]), null);
      assert.equal(retry.update(['00:16:3e:00:00:04']), 500);
      now = 600;
      assert.equal(retry.update(['00:16:3e:00:00:04']), 1000);
      assert.equal(retry.update(['00:16:3e:00:00:04', '00:16:3e:00:00:05']), 500, 'a new pending set starts over');
      now = 600 + 10_000;
      assert.equal(retry.update(['00:16:3e:00:00:04', '00:16:3e:00:00:05']), null, 'window over');
      assert.equal(retry.update([]), null);
      assert.equal(retry.update(['00:16:3e:00:00:05']), 500);
    } finally {
      retry.cancel();
    }
    assert.equal(fired, 0);
  });

  it('PendingRetry fires after its delay', async () => {
    let fired = 0;
    const retry = new PendingRetry(() => (fired += 1), 10_000, { initialMs: 20, maxMs: 40 });
    retry.update(['x']);
    await sleep(60);
    assert.equal(fired, 1);
    retry.cancel();
  });
});

describe('daemon: ip -o monitor link', () => {
  it('parses added, changed and deleted links', () => {
    assert.deepEqual(parseMonitorLine('5: eth3: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default \\    link/ether 00:16:3e:00:00:04 brd ff:ff:ff:ff:ff:ff'), {
      deleted: false,
      ifindex: 5,
      ifname: 'eth3',
    });
    assert.deepEqual(parseMonitorLine('Deleted 5: eth3@if6: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN'), { deleted: true, ifindex: 5, ifname: 'eth3' });
    assert.deepEqual(parseMonitorLine('[LINK]7: veth0@NONE: <BROADCAST> mtu 1500'), { deleted: false, ifindex: 7, ifname: 'veth0' });
    assert.equal(parseMonitorLine(''), null);
    assert.equal(parseMonitorLine('    link/ether 00:16:3e:00:00:04'), null);
  });

  it('parses `ip -o link show`', () => {
    const links = parseLinkList('1: lo: <LOOPBACK,UP> mtu 65536\n2: eth0@if3: <UP> mtu 1500\n');
    assert.deepEqual([...links], [[1, 'lo'], [2, 'eth0']]);
  });

  it('reports new and deleted links only (not state changes of known ones), and restarts a dead child', async () => {
    const events: LinkEvent[] = [];
    const logs: string[] = [];
    // A fake monitor: prints a state change of a known link, a new link, a deletion, then dies.
    const script = [
      "console.log('2: eth0: <BROADCAST,UP> mtu 1500 state UP');",
      "console.log('5: eth3: <BROADCAST> mtu 1500 state DOWN');",
      "console.log('5: eth3: <BROADCAST,UP> mtu 1500 state UP');",
      "console.log('Deleted 5: eth3: <BROADCAST> mtu 1500');",
    ].join('');
    const monitor = new LinkMonitor({
      command: [process.execPath, '-e', script],
      listLinks: async () => new Map([[2, 'eth0']]),
      onEvent: (e) => events.push(e),
      onLog: (level, message) => logs.push(`${level}: ${message}`),
      backoff: new Backoff({ initialMs: 30, maxMs: 30 }),
    });
    await monitor.start();
    try {
      const deadline = Date.now() + 5000;
      while (!events.some((e) => e.kind === 'restart') && Date.now() < deadline) await sleep(10);
    } finally {
      await monitor.stop();
    }
    assert.deepEqual(events.slice(0, 3), [
      { kind: 'add', ifname: 'eth3', ifindex: 5 },
      { kind: 'remove', ifname: 'eth3', ifindex: 5 },
      { kind: 'restart' },
    ]);
    assert.ok(logs.some((l) => /^warn: link monitor .* ended \(exit 0\); restarting in 30 ms/.test(l)), logs.join('\n'));
  });
});

describe('daemon: ifup in its own systemd scope', () => {
  it('wraps ifup (any path) and nothing else', () => {
    assert.deepEqual(scopedCommand(['ifup', 'eth1']).slice(0, 4), ['systemd-run', '--scope', '--quiet', '--collect']);
    assert.deepEqual(scopedCommand(['/sbin/ifup', '-i', 'f', 'eth1']).slice(-5), ['--', '/sbin/ifup', '-i', 'f', 'eth1']);
    assert.deepEqual(scopedCommand(['ip', 'rule', 'add']), ['ip', 'rule', 'add']);
    assert.deepEqual(scopedCommand(['ifdown', 'eth1']), ['ifdown', 'eth1']);
  });
});
