// RHEL, SUSE and netplan renderers: content checks and real consumers. ifcfg files are sourced
// by bash (as initscripts and the old sysconfig scripts do); the netplan file is compiled by
// the real `netplan generate` (Debian package netplan.io) when it is installed.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import type { RenderedFile } from '../../src/model/types.js';
import { ValidationError } from '../../src/model/validate.js';
import { netplanRenderer, primaryAliasesLiveOnly, rendererFor, rhelRenderer, suseRenderer } from '../../src/render/index.js';
import { SCENARIOS, primaryNic, secondaryNic, stateOf } from './render-fixtures.js';

const ctx = { root: '/' };

function byPath(files: RenderedFile[], path: string): string {
  const f = files.find((x) => x.path === path);
  assert.ok(f, `no ${path} in ${files.map((x) => x.path).join(', ')}`);
  return f.content;
}

/** Source a file in bash with `set -eu` and print the named variables, NUL-separated. */
async function sourceInBash(file: string, names: string[]): Promise<Record<string, string>> {
  const script = 'set -eu; . "$1"; shift; for n in "$@"; do printf "%s=%s\\0" "$n" "${!n-<unset>}"; done';
  const res = await execa('bash', ['-c', script, '_', file, ...names]);
  return Object.fromEntries(
    res.stdout
      .split('\0')
      .filter((s) => s !== '')
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

describe('rhel renderer', () => {
  const dir = '/etc/sysconfig/network-scripts';

  it('writes the guide keys with DEFROUTE=no and METRIC, route-ethN and rule-ethN', () => {
    const files = rhelRenderer.render(SCENARIOS['three-nics-with-secondary-ips']('rhel'), ctx);
    const ifcfg = byPath(files, `${dir}/ifcfg-eth1`);
    for (const line of [
      'DEVICE=eth1', 'BOOTPROTO=dhcp', 'ONBOOT=yes', 'TYPE=Ethernet', 'USERCTL=yes', 'PEERDNS=no',
      'IPV6INIT=no', 'PERSISTENT_DHCLIENT=yes', 'HWADDR=00:16:3e:12:e7:27', 'DEFROUTE=no', 'METRIC=1001',
    ]) {
      assert.ok(ifcfg.split('\n').includes(line), `missing ${line}`);
    }
    assert.doesNotMatch(ifcfg, /GATEWAY/);
    assert.equal(
      byPath(files, `${dir}/route-eth1`).split('\n').filter((l) => l && !l.startsWith('#')).join('\n'),
      [
        '10.0.0.0/24 dev eth1 src 10.0.0.20 table 1001',
        'default via 10.0.0.253 dev eth1 table 1001',
        'default via 10.0.0.253 dev eth1 metric 1001',
      ].join('\n'),
    );
    assert.equal(
      byPath(files, `${dir}/rule-eth1`).split('\n').filter((l) => l && !l.startsWith('#')).join('\n'),
      [
        'from 10.0.0.20 table 1001 priority 30001',
        'from 10.0.0.31 table 1001 priority 30001',
        'from 10.0.0.32 table 1001 priority 30001',
      ].join('\n'),
    );
    const alias = byPath(files, `${dir}/ifcfg-eth1:1`);
    assert.match(alias, /^DEVICE=eth1:1$/m);
    assert.match(alias, /^IPADDR=10\.0\.0\.32$/m);
    assert.doesNotMatch(alias, /GATEWAY/);
  });

  it('never writes ifcfg-eth0, a rule or a route for the primary: aliases only', () => {
    const files = rhelRenderer.render(SCENARIOS['primary-with-secondary-ips']('rhel'), ctx);
    assert.deepEqual(files.map((f) => f.path), [`${dir}/ifcfg-eth0:0`, `${dir}/ifcfg-eth0:1`]);
    assert.equal(rhelRenderer.upCommand(primaryNic(['10.0.0.30']), ctx), null);
  });

  it('static addressing: BOOTPROTO=none, IPADDR/PREFIX, no GATEWAY', () => {
    const ifcfg = byPath(rhelRenderer.render(SCENARIOS['static-addressing']('rhel'), ctx), `${dir}/ifcfg-eth1`);
    assert.match(ifcfg, /^BOOTPROTO=none\nIPADDR=10\.0\.0\.20\nPREFIX=24$/m);
    assert.doesNotMatch(ifcfg, /GATEWAY|PERSISTENT_DHCLIENT/);
  });

  it('upCommand is ifup ethN on the real root; none under another root (ifup reads the real /etc)', () => {
    assert.deepEqual(rhelRenderer.upCommand(secondaryNic(1), { root: '/' }), ['ifup', 'eth1']);
    assert.deepEqual(rhelRenderer.downCommand(secondaryNic(1), { root: '/' }), ['ifdown', 'eth1']);
    assert.equal(rhelRenderer.upCommand(secondaryNic(1), { root: '/tmp/x' }), null);
    assert.equal(rhelRenderer.downCommand(secondaryNic(1), { root: '/tmp/x' }), null);
  });

  it('re-validates: a bad gateway throws ValidationError', () => {
    const bad = { ...secondaryNic(1), gateway: '10.0.0.253\nDEFROUTE=yes' };
    assert.throws(() => rhelRenderer.render(stateOf('rhel', [bad]), ctx), ValidationError);
  });
});

describe('suse renderer', () => {
  const dir = '/etc/sysconfig/network';

  it('writes ifcfg with quoted values and IPADDR_K/NETMASK_K/LABEL_K, ifroute and ifrule', () => {
    const files = suseRenderer.render(SCENARIOS['three-nics-with-secondary-ips']('suse'), ctx);
    const ifcfg = byPath(files, `${dir}/ifcfg-eth1`);
    assert.match(ifcfg, /^BOOTPROTO='dhcp'\nSTARTMODE='auto'\nDHCLIENT_SET_DEFAULT_ROUTE='no'\n/m);
    assert.match(ifcfg, /^IPADDR_1='10\.0\.0\.32'\nNETMASK_1='255\.255\.255\.0'\nLABEL_1='1'$/m);
    assert.equal(
      byPath(files, `${dir}/ifroute-eth1`).split('\n').filter((l) => l && !l.startsWith('#')).join('\n'),
      [
        '10.0.0.0/24 - - eth1 table 1001 scope link src 10.0.0.20',
        'default 10.0.0.253 - eth1 table 1001',
        'default 10.0.0.253 - eth1 metric 1001',
      ].join('\n'),
    );
    assert.match(byPath(files, `${dir}/ifrule-eth1`), /^ipv4 from 10\.0\.0\.31 table 1001 priority 30001$/m);
  });

  it('writes nothing for the primary (its ifcfg-eth0 is not ours) and says why', () => {
    assert.deepEqual(suseRenderer.render(SCENARIOS['primary-with-secondary-ips']('suse'), ctx), []);
    assert.equal(suseRenderer.upCommand(primaryNic(['10.0.0.30']), ctx), null);
    assert.match(primaryAliasesLiveOnly('suse') ?? '', /live/);
    assert.equal(primaryAliasesLiveOnly('rhel'), undefined);
  });

  it('upCommand is wicked ifup ethN on the real root; none under another root', () => {
    assert.deepEqual(suseRenderer.upCommand(secondaryNic(2), { root: '/' }), ['wicked', 'ifup', 'eth2']);
    assert.equal(suseRenderer.upCommand(secondaryNic(2), { root: '/tmp/x' }), null);
  });
});

describe('ifcfg files source cleanly in bash (initscripts / sysconfig read them that way)', () => {
  let tmp = '';
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'eni-ifcfg-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function write(file: RenderedFile): Promise<string> {
    const path = join(tmp, file.path.replaceAll('/', '_'));
    await writeFile(path, file.content);
    return path;
  }

  it('rhel ifcfg-eth1 (dhcp) and its alias', async () => {
    const files = rhelRenderer.render(SCENARIOS['three-nics-with-secondary-ips']('rhel'), ctx);
    const vars = await sourceInBash(await write(files.find((f) => f.path.endsWith('/ifcfg-eth1'))!), [
      'DEVICE', 'BOOTPROTO', 'ONBOOT', 'HWADDR', 'DEFROUTE', 'METRIC', 'PEERDNS', 'GATEWAY',
    ]);
    assert.deepEqual(vars, {
      DEVICE: 'eth1', BOOTPROTO: 'dhcp', ONBOOT: 'yes', HWADDR: '00:16:3e:12:e7:27', DEFROUTE: 'no',
      METRIC: '1001', PEERDNS: 'no', GATEWAY: '<unset>',
    });
    const alias = await sourceInBash(await write(files.find((f) => f.path.endsWith('/ifcfg-eth1:0'))!), [
      'DEVICE', 'BOOTPROTO', 'IPADDR', 'NETMASK', 'GATEWAY',
    ]);
    assert.deepEqual(alias, {
      DEVICE: 'eth1:0', BOOTPROTO: 'static', IPADDR: '10.0.0.31', NETMASK: '255.255.255.0', GATEWAY: '<unset>',
    });
  });

  it('rhel ifcfg-eth1 (static)', async () => {
    const files = rhelRenderer.render(SCENARIOS['static-addressing']('rhel'), ctx);
    const vars = await sourceInBash(await write(files.find((f) => f.path.endsWith('/ifcfg-eth1'))!), [
      'BOOTPROTO', 'IPADDR', 'PREFIX', 'DEFROUTE',
    ]);
    assert.deepEqual(vars, { BOOTPROTO: 'none', IPADDR: '10.0.0.20', PREFIX: '24', DEFROUTE: 'no' });
  });

  it('suse ifcfg-eth1 (dhcp, two secondary IPs) and static', async () => {
    const files = suseRenderer.render(SCENARIOS['three-nics-with-secondary-ips']('suse'), ctx);
    const vars = await sourceInBash(await write(files.find((f) => f.path.endsWith('/ifcfg-eth1'))!), [
      'BOOTPROTO', 'STARTMODE', 'DHCLIENT_SET_DEFAULT_ROUTE', 'IPADDR_0', 'NETMASK_0', 'LABEL_0',
      'IPADDR_1', 'LABEL_1', 'IPADDR_2',
    ]);
    assert.deepEqual(vars, {
      BOOTPROTO: 'dhcp', STARTMODE: 'auto', DHCLIENT_SET_DEFAULT_ROUTE: 'no', IPADDR_0: '10.0.0.31',
      NETMASK_0: '255.255.255.0', LABEL_0: '0', IPADDR_1: '10.0.0.32', LABEL_1: '1', IPADDR_2: '<unset>',
    });
    const st = suseRenderer.render(SCENARIOS['static-addressing']('suse'), ctx);
    const svars = await sourceInBash(await write(st.find((f) => f.path.endsWith('/ifcfg-eth1'))!), ['BOOTPROTO', 'IPADDR']);
    assert.deepEqual(svars, { BOOTPROTO: 'static', IPADDR: '10.0.0.20/24' });
  });
});

describe('netplan renderer', () => {
  it('writes one 0600 file matching by MAC, with metric DHCP, table routes and rules per IP', () => {
    const [file, ...rest] = netplanRenderer.render(SCENARIOS['three-nics-with-secondary-ips']('netplan'), ctx);
    assert.equal(rest.length, 0);
    assert.equal(file?.path, '/etc/netplan/60-eni-agent.yaml');
    assert.equal(file?.mode, 0o600);
    assert.ok(file?.content.startsWith('# Managed by eni-agent\n'));
    const doc = parseYaml(file!.content) as { network: { version: number; ethernets: Record<string, Record<string, unknown>> } };
    assert.deepEqual(Object.keys(doc.network.ethernets), ['eth1', 'eth2']);
    const eth1 = doc.network.ethernets.eth1!;
    assert.deepEqual(eth1.match, { macaddress: '00:16:3e:12:e7:27' });
    assert.equal(eth1.dhcp4, true);
    assert.deepEqual(eth1['dhcp4-overrides'], { 'route-metric': 1001, 'use-dns': false });
    assert.deepEqual(eth1.addresses, ['10.0.0.31/24', '10.0.0.32/24']);
    assert.deepEqual(eth1.routes, [
      { to: '10.0.0.0/24', scope: 'link', from: '10.0.0.20', table: 1001 },
      { to: '0.0.0.0/0', via: '10.0.0.253', table: 1001 },
    ]);
    assert.deepEqual(eth1['routing-policy'], [
      { from: '10.0.0.20/32', table: 1001, priority: 30001 },
      { from: '10.0.0.31/32', table: 1001, priority: 30001 },
      { from: '10.0.0.32/32', table: 1001, priority: 30001 },
    ]);
    assert.ok(!('eth0' in doc.network.ethernets), 'the primary must never appear');
  });

  it('never runs netplan apply; reconfigures one NIC; under --root only generates', () => {
    assert.deepEqual(netplanRenderer.afterWriteCommands(ctx), [['netplan', 'generate'], ['networkctl', 'reload']]);
    assert.deepEqual(netplanRenderer.upCommand(secondaryNic(1), ctx), ['networkctl', 'reconfigure', 'eth1']);
    assert.deepEqual(netplanRenderer.afterWriteCommands({ root: '/tmp/r' }), [['netplan', 'generate', '--root-dir', '/tmp/r']]);
    assert.equal(netplanRenderer.upCommand(secondaryNic(1), { root: '/tmp/r' }), null);
    assert.equal(netplanRenderer.upCommand(primaryNic(['10.0.0.30']), ctx), null);
    for (const family of ['debian', 'rhel', 'suse', 'netplan'] as const) {
      const r = rendererFor(family);
      const all = [...r.afterWriteCommands(ctx), r.upCommand(secondaryNic(1), ctx) ?? []];
      assert.ok(!all.some((c) => c.includes('apply') || c.includes('restart')), `${family} bounces the network`);
    }
  });
});

// The real consumer: netplan's generator turns the YAML into systemd-networkd units.
describe('netplan generate --root-dir compiles the rendered file', function () {
  let tmp = '';
  before(async function () {
    const probe = await execa('netplan', ['--help'], { reject: false }).catch(() => undefined);
    if (!probe || probe.exitCode !== 0) {
      console.log('      skipped: netplan is not installed (Debian/Ubuntu package netplan.io)');
      this.skip();
    }
    tmp = await mkdtemp(join(tmpdir(), 'eni-netplan-'));
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  for (const scenario of ['three-nics-with-secondary-ips', 'static-addressing'] as const) {
    it(`${scenario}: networkd units carry the table routes, rules and metric`, async () => {
      const root = join(tmp, scenario);
      const [file] = netplanRenderer.render(SCENARIOS[scenario]('netplan'), ctx);
      await mkdir(dirname(join(root, file!.path)), { recursive: true });
      await writeFile(join(root, file!.path), file!.content, { mode: file!.mode });
      const res = await execa('netplan', ['generate', '--root-dir', root], { reject: false });
      assert.equal(res.exitCode, 0, `netplan generate failed:\n${res.stderr}`);
      const unitDir = join(root, 'run/systemd/network');
      assert.deepEqual(
        (await readdir(unitDir)).filter((n) => n.endsWith('.network')).sort(),
        ['10-netplan-eth1.network', '10-netplan-eth2.network'],
      );
      const unit = await readFile(join(unitDir, '10-netplan-eth1.network'), 'utf8');
      assert.match(unit, /PermanentMACAddress=00:16:3e:12:e7:27|MACAddress=00:16:3e:12:e7:27/);
      assert.match(unit, /\[RoutingPolicyRule\]\nFrom=10\.0\.0\.20\/32\nTable=1001\nPriority=30001/);
      assert.match(unit, /\[Route\]\nDestination=0\.0\.0\.0\/0\nGateway=10\.0\.0\.253\nTable=1001/);
      assert.match(unit, /\[Route\]\nDestination=10\.0\.0\.0\/24\nPreferredSource=10\.0\.0\.20\nScope=link\nTable=1001/);
      if (scenario === 'static-addressing') {
        assert.match(unit, /Address=10\.0\.0\.20\/24/);
        assert.match(unit, /\[Route\]\nDestination=0\.0\.0\.0\/0\nGateway=10\.0\.0\.253\nMetric=1001/);
        assert.doesNotMatch(unit, /DHCP=ipv4/);
      } else {
        assert.match(unit, /DHCP=ipv4/);
        assert.match(unit, /RouteMetric=1001/);
        assert.match(unit, /UseDNS=false/);
      }
    });
  }
});
