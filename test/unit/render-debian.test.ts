import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { checkInterfacesSourcesDir, findInterfacesDirSource } from '../../src/distro/debian-source.js';
import { MANAGED_HEADER } from '../../src/model/ownership.js';
import { ValidationError } from '../../src/model/validate.js';
import { debianRenderer } from '../../src/render/debian.js';
import { SCENARIOS, primaryNic, secondaryNic, stateOf } from './render-fixtures.js';

const ctx = { root: '/' };

function fileOf(state: ReturnType<typeof stateOf>, ifname: string): string {
  const file = debianRenderer.render(state, ctx).find((f) => f.ifname === ifname);
  assert.ok(file, `no file for ${ifname}`);
  return file.content;
}

describe('debian renderer', () => {
  it('writes one 0644 file per NIC under interfaces.d, header first', () => {
    const files = debianRenderer.render(SCENARIOS['three-nics-with-secondary-ips']('debian'), ctx);
    assert.deepEqual(
      files.map((f) => [f.path, f.mode, f.ifname]),
      [
        ['/etc/network/interfaces.d/eth0', 0o644, 'eth0'],
        ['/etc/network/interfaces.d/eth1', 0o644, 'eth1'],
        ['/etc/network/interfaces.d/eth2', 0o644, 'eth2'],
      ],
    );
    for (const f of files) assert.ok(f.content.startsWith(`${MANAGED_HEADER}\n`));
  });

  it('renders DHCP with the metric and persistent policy routing for a secondary NIC', () => {
    const text = fileOf(SCENARIOS['one-secondary']('debian'), 'eth1');
    assert.match(text, /^auto eth1\niface eth1 inet dhcp\n {4}metric 1001\n/m);
    assert.match(text, /post-up ip -4 route replace 10\.0\.0\.0\/24 dev eth1 src 10\.0\.0\.20 table 1001 proto 73\n/);
    assert.match(text, /post-up ip -4 route replace default via 10\.0\.0\.253 dev eth1 table 1001 proto 73\n/);
    assert.match(text, /post-up ip -4 rule del from 10\.0\.0\.20 lookup 1001 priority 30001 2>\/dev\/null \|\| true\n/);
    assert.match(text, /post-up ip -4 rule add from 10\.0\.0\.20 lookup 1001 priority 30001\n/);
    assert.match(text, /pre-down ip -4 rule del from 10\.0\.0\.20 lookup 1001 priority 30001/);
    assert.doesNotMatch(text, /gateway/);
  });

  it('renders aliases without a gateway, with rules on a secondary NIC', () => {
    const text = fileOf(SCENARIOS['three-nics-with-secondary-ips']('debian'), 'eth1');
    assert.match(text, /auto eth1:0\niface eth1:0 inet static\n {4}address 10\.0\.0\.31\n {4}netmask 255\.255\.255\.0\n/);
    assert.match(text, /auto eth1:1\niface eth1:1 inet static\n {4}address 10\.0\.0\.32\n/);
    assert.match(text, /post-up ip -4 rule add from 10\.0\.0\.32 lookup 1001 priority 30001\n/);
    assert.doesNotMatch(text, /^\s*gateway/m);
  });

  it('renders only alias stanzas for the primary: no iface eth0, no rule, no route', () => {
    const text = fileOf(SCENARIOS['primary-with-secondary-ips']('debian'), 'eth0');
    assert.doesNotMatch(text, /iface eth0 /);
    assert.doesNotMatch(text, /rule|route|gateway|metric|dhcp/);
    assert.match(text, /iface eth0:0 inet static\n {4}address 10\.0\.0\.30\n/);
    assert.match(text, /iface eth0:1 inet static\n {4}address 10\.0\.0\.31\n/);
  });

  it('writes nothing for a primary without secondary IPs', () => {
    const files = debianRenderer.render(stateOf('debian', [primaryNic()]), ctx);
    assert.deepEqual(files, []);
  });

  it('renders static addressing with the metric default through post-up', () => {
    const text = fileOf(SCENARIOS['static-addressing']('debian'), 'eth1');
    assert.match(text, /iface eth1 inet static\n {4}address 10\.0\.0\.20\n {4}netmask 255\.255\.255\.0\n/);
    assert.match(text, /post-up ip -4 route replace default via 10\.0\.0\.253 dev eth1 metric 1001 proto 73\n/);
    assert.doesNotMatch(text, /inet dhcp/);
  });

  it('re-validates: a NIC with a bad IP throws ValidationError', () => {
    const bad = { ...secondaryNic(1), primaryIp: '10.0.0.20\npost-up reboot' };
    assert.throws(() => debianRenderer.render(stateOf('debian', [bad]), ctx), ValidationError);
    const badAlias = secondaryNic(1, ['10.0.0.31 ; rm -rf /']);
    assert.throws(() => debianRenderer.render(stateOf('debian', [badAlias]), ctx), ValidationError);
    const badTable = { ...secondaryNic(1), table: 254 };
    assert.throws(() => debianRenderer.render(stateOf('debian', [badTable]), ctx), ValidationError);
  });

  it('builds ifup/ifdown argument arrays under the root without doubled slashes; ifup names the NIC only', () => {
    const nic = secondaryNic(1, ['10.0.0.31']);
    assert.deepEqual(debianRenderer.upCommand(nic, { root: '/' }), [
      'ifup', '-i', '/etc/network/interfaces.d/eth1', 'eth1',
    ]);
    assert.deepEqual(debianRenderer.upCommand(nic, { root: '/tmp/r/' }), [
      'ifup', '-i', '/tmp/r/etc/network/interfaces.d/eth1', '--state-dir', '/tmp/r/run/network', 'eth1',
    ]);
    assert.deepEqual(debianRenderer.downCommand(nic, { root: '/tmp/r' }), [
      'ifdown', '-i', '/tmp/r/etc/network/interfaces.d/eth1', '--state-dir', '/tmp/r/run/network', 'eth1:0', 'eth1',
    ]);
    // The primary's aliases are added by the agent itself; eth0 is never ifup'ed.
    assert.equal(debianRenderer.upCommand(primaryNic(['10.0.0.30']), ctx), null);
    assert.equal(debianRenderer.upCommand(primaryNic(), ctx), null);
  });

});

describe('debian interfaces.d source check', () => {
  it('recognises the three sourcing forms and ignores comments', () => {
    assert.ok(findInterfacesDirSource('auto lo\nsource /etc/network/interfaces.d/*\n'));
    assert.ok(findInterfacesDirSource('source-directory /etc/network/interfaces.d\n'));
    assert.ok(findInterfacesDirSource('source-directory interfaces.d\n'));
    assert.ok(findInterfacesDirSource('  source-directory /etc/network/interfaces.d/  \n'));
    assert.equal(findInterfacesDirSource('# source /etc/network/interfaces.d/*\nauto lo\n'), undefined);
    assert.equal(findInterfacesDirSource('source /etc/network/interfaces.d/*.cfg\n'), undefined);
  });

  it('reads <root>/etc/network/interfaces and reports a missing file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'eni-deb-'));
    try {
      const missing = await checkInterfacesSourcesDir(root);
      assert.equal(missing.sourced, false);
      assert.match(missing.detail, /ENOENT/);
      await mkdir(join(root, 'etc/network'), { recursive: true });
      await writeFile(join(root, 'etc/network/interfaces'), 'auto lo\niface lo inet loopback\n');
      assert.equal((await checkInterfacesSourcesDir(root)).sourced, false);
      await writeFile(join(root, 'etc/network/interfaces'), 'source /etc/network/interfaces.d/*\n');
      const ok = await checkInterfacesSourcesDir(`${root}/`);
      assert.equal(ok.sourced, true);
      assert.equal(ok.file, join(root, 'etc/network/interfaces'));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

// The real consumer: Debian's ifupdown parses the rendered file. `--no-act` only prints the
// commands it would run; `--state-dir` keeps it away from /run/network.
describe('debian files parse with ifupdown (ifup --no-act)', function () {
  let tmp = '';
  before(async function () {
    const probe = await execa('ifup', ['--version'], { reject: false });
    if (probe.exitCode !== 0) {
      console.log('      skipped: ifup (Debian package ifupdown) is not installed');
      this.skip();
    }
    tmp = await mkdtemp(join(tmpdir(), 'eni-ifup-'));
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  for (const [name, build] of Object.entries(SCENARIOS)) {
    it(`${name}: every NIC's stanzas parse and produce the expected commands`, async () => {
      const state = build('debian');
      for (const file of debianRenderer.render(state, ctx)) {
        const nic = state.nics.find((n) => n.ifname === file.ifname)!;
        const path = join(tmp, `${name}-${file.ifname}`);
        await writeFile(path, file.content);
        // Every stanza of the file, as a boot-time `ifup -a` would bring them up.
        const targets = [...file.content.matchAll(/^auto (\S+)$/gm)].map((m) => m[1]!);
        assert.ok(targets.length > 0);
        const stateDir = join(tmp, `state-${name}-${file.ifname}`);
        await mkdir(stateDir, { recursive: true });
        const res = await execa('ifup', ['--no-act', '-i', path, '--state-dir', stateDir, ...targets], {
          reject: false,
        });
        assert.equal(res.exitCode, 0, `ifup --no-act failed:\n${res.stderr}`);
        for (const alias of nic.secondaryIps) assert.ok(res.stderr.includes(`ip addr add ${alias}/`), res.stderr);
        if (nic.role === 'secondary') {
          assert.ok(res.stderr.includes(`ip -4 rule add from ${nic.primaryIp} lookup ${nic.table}`), res.stderr);
        } else {
          assert.doesNotMatch(res.stderr, /rule|route/);
        }
      }
    });
  }
});
