// The strongest consumer: the kernel. In a throwaway network namespace holding only veth
// links created inside it (never a host link), run what the distro would run:
//  - RHEL: every route-ethN / rule-ethN line through `ip route add <line>` / `ip rule add <line>`,
//    exactly as initscripts' ifup-routes (handle_ip_file) does;
//  - Debian: a real `ifup` of the static-addressing file (inet static, aliases, post-up), then
//    a second ifdown/ifup round to prove re-running neither fails nor duplicates a rule.
// Needs root and `ip netns`; skipped with a message otherwise.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { debianRenderer, rhelRenderer } from '../../src/render/index.js';
import { SCENARIOS, MACS } from './render-fixtures.js';

const NS = `eni-render-${process.pid}`;
const ctx = { root: '/' };

async function ipn(...args: string[]): Promise<string> {
  return (await execa('ip', ['-n', NS, ...args])).stdout;
}

async function rules(): Promise<string[]> {
  return (await ipn('-4', 'rule', 'show'))
    .split('\n')
    .filter((l) => /lookup 10\d\d/.test(l))
    .map((l) => l.replace(/\s+/g, ' ').trim());
}

describe('rendered routing applied by the kernel in a network namespace', function () {
  let tmp = '';
  before(async function () {
    const ok =
      typeof process.getuid === 'function' &&
      process.getuid() === 0 &&
      (await execa('ip', ['netns', 'add', NS], { reject: false })).exitCode === 0;
    if (!ok) {
      console.log('      skipped: needs root and `ip netns` (iproute2)');
      this.skip();
    }
    tmp = await mkdtemp(join(tmpdir(), 'eni-netns-'));
    // Links are created inside the namespace only (never in the root namespace).
    // veth pairs with both ends in the namespace (no dummy module needed).
    for (const [dev, mac] of Object.entries(MACS)) {
      await ipn('link', 'add', dev, 'address', mac, 'type', 'veth', 'peer', 'name', `p-${dev}`);
      await ipn('link', 'set', `p-${dev}`, 'up');
    }
    await ipn('addr', 'add', '10.0.0.19/24', 'dev', 'eth0');
    for (const dev of ['lo', 'eth0', 'eth1', 'eth2']) await ipn('link', 'set', dev, 'up');
  });
  after(async () => {
    await execa('ip', ['netns', 'del', NS], { reject: false });
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('rhel route-ethN and rule-ethN lines are valid `ip route add` / `ip rule add` arguments', async () => {
    await ipn('addr', 'add', '10.0.0.20/24', 'dev', 'eth1');
    const files = rhelRenderer.render(SCENARIOS['one-secondary']('rhel'), ctx);
    for (const [kind, name] of [['route', 'route-eth1'], ['rule', 'rule-eth1']] as const) {
      const content = files.find((f) => f.path.endsWith(`/${name}`))!.content;
      for (const line of content.split('\n')) {
        if (/^\s*(#.*)?$/.test(line)) continue; // initscripts' own comment/blank filter
        const res = await execa('ip', ['-n', NS, kind, 'add', ...line.trim().split(/\s+/)], { reject: false });
        assert.equal(res.exitCode, 0, `ip ${kind} add ${line}: ${res.stderr}`);
      }
    }
    assert.match(await ipn('-4', 'route', 'show', 'table', '1001'), /default via 10\.0\.0\.253 dev eth1/);
    assert.match(await ipn('-4', 'route', 'show', 'default'), /default via 10\.0\.0\.253 dev eth1 metric 1001/);
    assert.deepEqual(await rules(), ['30001: from 10.0.0.20 lookup 1001']);
    // Clean up for the next test.
    await ipn('rule', 'del', 'from', '10.0.0.20', 'lookup', '1001', 'priority', '30001');
    await ipn('addr', 'flush', 'dev', 'eth1');
    await ipn('route', 'flush', 'table', '1001');
  });

  it('debian static file: real ifup applies addresses, aliases, routes and rules; a re-run duplicates nothing', async function () {
    if ((await execa('ifup', ['--version'], { reject: false }).catch(() => undefined))?.exitCode !== 0) {
      console.log('      skipped: ifup (Debian package ifupdown) is not installed');
      this.skip();
    }
    const state = SCENARIOS['static-addressing']('debian');
    const file = debianRenderer.render(state, ctx).find((f) => f.ifname === 'eth1')!;
    const path = join(tmp, 'eth1');
    await writeFile(path, file.content);
    const stateDir = join(tmp, 'run-network');
    await mkdir(stateDir, { recursive: true });
    // Every stanza, as a boot-time `ifup -a` brings them up (the agent itself ifups eth1 only and
    // adds the aliases in its own ip batch). --no-scripts: the host's if-*.d hooks are not run.
    const stanzas = [...file.content.matchAll(/^auto (\S+)$/gm)].map((m) => m[1]!);
    assert.deepEqual(stanzas, ['eth1', 'eth1:0']);
    const args = ['--no-scripts', '-i', path, '--state-dir', stateDir, ...stanzas];
    const run = (verb: string, list: string[]) =>
      execa('ip', ['netns', 'exec', NS, verb, ...list], { reject: false, env: { PATH: process.env.PATH ?? '' } });

    for (let round = 0; round < 2; round++) {
      const res = await run('ifup', args);
      assert.equal(res.exitCode, 0, `ifup round ${round}: ${res.stderr}`);
      const addrs = await ipn('-4', 'addr', 'show', 'dev', 'eth1');
      assert.match(addrs, /inet 10\.0\.0\.20\/24 .*eth1\n/);
      assert.match(addrs, /inet 10\.0\.0\.31\/24 .*eth1:0/);
      assert.match(await ipn('-4', 'route', 'show', 'table', '1001'), /default via 10\.0\.0\.253 dev eth1 proto 73/);
      assert.match(await ipn('-4', 'route', 'show', 'default'), /default via 10\.0\.0\.253 dev eth1 proto 73 metric 1001/);
      assert.match(await ipn('-4', 'route', 'show', 'default'), /^default via 10\.0\.0\.253 dev eth1/m);
      assert.deepEqual((await rules()).sort(), [
        '30001: from 10.0.0.20 lookup 1001',
        '30001: from 10.0.0.31 lookup 1001',
      ]);
      const down = await run('ifdown', ['--no-scripts', '-i', path, '--state-dir', stateDir, 'eth1:0', 'eth1']);
      assert.equal(down.exitCode, 0, `ifdown round ${round}: ${down.stderr}`);
      assert.deepEqual(await rules(), [], 'pre-down must remove the rules');
    }
  });
});
