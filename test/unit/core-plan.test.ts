// The planner: planFiles, planBringUp, planKernel, nextRecord, sameRoute/sameRule, with golden
// plans for whole-host scenarios and a property check that applying a plan converges.
//
// Golden files: test/golden/plan/<scenario>.txt hold formatPlan() of each scenario's plan and are
// compared byte for byte. To regenerate after an intended change (then review the git diff):
//   npx tsc -p . && UPDATE_GOLDEN=1 npx mocha 'dist/test/unit/core-plan.test.js'
// (or scripts/golden-plan.sh).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { Config } from '../../src/config/config.js';
import type { Action } from '../../src/model/actions.js';
import type { DesiredNic, DesiredState, KernelAddress, KernelLink, KernelRoute, KernelRule, KernelState, NicMetadata, RenderedFile } from '../../src/model/types.js';
import { formatPlan } from '../../src/plan/describe.js';
import { buildDesiredState } from '../../src/plan/desired.js';
import { aliasLabel, nextRecord, planBringUp, planFiles, planKernel, sameRoute, sameRule } from '../../src/plan/plan.js';
import type { ManagedRecord } from '../../src/state/record.js';

const GOLDEN = fileURLToPath(new URL('../../../test/golden/plan/', import.meta.url));
const ROUTING: Config['routing'] = { tableBase: 1000, metricBase: 1000, rulePriorityBase: 30000 };
const GW = '10.0.0.253';
const HEADER = '# Managed by eni-agent\n';

const M0 = '00:16:3e:00:00:01';
const M1 = '00:16:3e:00:00:02';
const M2 = '00:16:3e:00:00:03';
const M3 = '00:16:3e:00:00:04'; // eth3: in the kernel, not in metadata (unknown)
const M4 = '00:16:3e:00:00:05'; // in metadata, no kernel link (pending), recorded at index 4
const M5 = '00:16:3e:00:00:06'; // eth5: metadata incomplete (pending)
const M6 = '00:16:3e:00:00:07'; // ens9: unknown link with a remembered index 6

// ---------------------------------------------------------------- builders (plain data)

const meta = (mac: string, primaryIp: string, others: string[] = [], extra: Partial<NicMetadata> = {}): NicMetadata => ({
  mac,
  primaryIp,
  prefixLength: 24,
  gateway: GW,
  privateIpv4s: [primaryIp, ...others],
  ipv6s: [],
  ...extra,
});
const link = (ifname: string, ifindex: number, mac: string, up = true): KernelLink => ({ ifname, ifindex, mac, up, linkType: 'ether' });
const addr = (ifname: string, local: string, label = ifname, secondary = false, dynamic = !secondary): KernelAddress => ({ ifname, family: 4, local, prefixLength: 24, label, dynamic, secondary });
const route = (table: number, dst: string, dev: string, extra: Partial<KernelRoute> = {}): KernelRoute => ({ family: 4, table, dst, dev, metric: 0, protocol: '73', ...extra });
const rule = (priority: number, src: string | undefined, table: number): KernelRule => ({ family: 4, priority, src, table });

const ETH0_META = meta(M0, '10.0.0.10', ['10.0.0.11']);
const ETH1_META = meta(M1, '10.0.0.20');
const ETH2_META = meta(M2, '10.0.0.30', ['10.0.0.31', '10.0.0.32']);

function desiredOf(nics: NicMetadata[], links: KernelLink[], indexMemory: Record<string, number> = {}): DesiredState {
  return buildDesiredState({ snapshot: { primaryMac: M0, nics, rejected: [], source: 'all' }, links, config: { routing: ROUTING, addressing: 'dhcp' }, family: 'rhel', indexMemory }).state;
}

/** A stand-in renderer: what matters to the planner is paths, owners and exact content. */
function renderedFor(desired: DesiredState): RenderedFile[] {
  const files: RenderedFile[] = [];
  for (const nic of desired.nics) {
    const dir = '/etc/sysconfig/network-scripts';
    if (nic.role === 'primary') {
      nic.secondaryIps.forEach((ip, k) => files.push({ path: `${dir}/ifcfg-${nic.ifname}:${k}`, content: `${HEADER}DEVICE=${nic.ifname}:${k}\nIPADDR=${ip}\n`, mode: 0o644, ifname: nic.ifname }));
      continue;
    }
    files.push({ path: `${dir}/ifcfg-${nic.ifname}`, content: `${HEADER}DEVICE=${nic.ifname}\nBOOTPROTO=dhcp\nDEFROUTE=no\nHWADDR=${nic.mac}\n`, mode: 0o644, ifname: nic.ifname });
    files.push({ path: `${dir}/rule-${nic.ifname}`, content: `${HEADER}from ${nic.primaryIp}/32 table ${nic.table} priority ${nic.rulePriority}\n`, mode: 0o644, ifname: nic.ifname });
  }
  return files;
}

const ifupCommands = (nic: DesiredNic): { up: string[]; down: string[] } => ({ up: ['ifup', nic.ifname], down: ['ifdown', nic.ifname] });

const LO = link('lo', 1, '00:00:00:00:00:00');
LO.linkType = '[772]';
const LINKS = [LO, link('eth0', 2, M0), link('eth1', 3, M1), link('eth2', 4, M2)];

/** After bring-up on a fresh host: DHCP addresses and the kernel's own routes, nothing of ours. */
function baseKernel(): KernelState {
  return {
    links: LINKS.map((l) => ({ ...l })),
    addresses: [addr('lo', '127.0.0.1', 'lo', false, false), addr('eth0', '10.0.0.10'), addr('eth1', '10.0.0.20'), addr('eth2', '10.0.0.30')],
    routes: [
      route(254, 'default', 'eth0', { gateway: GW, metric: 100, protocol: '16' }),
      route(254, '10.0.0.0/24', 'eth0', { metric: 100, protocol: '2', scope: '253', prefsrc: '10.0.0.10' }),
      route(254, '10.0.0.0/24', 'eth1', { protocol: '2', scope: '253', prefsrc: '10.0.0.20' }),
      route(254, '10.0.0.0/24', 'eth2', { protocol: '2', scope: '253', prefsrc: '10.0.0.30' }),
    ],
    rules: [rule(0, undefined, 255), rule(32766, undefined, 254), rule(32767, undefined, 253)],
  };
}

/** What the kernel looks like once the agent has done its work on the three-NIC host. */
function convergedKernel(): KernelState {
  const k = baseKernel();
  k.addresses.push(addr('eth0', '10.0.0.11', 'eth0:0', true), addr('eth2', '10.0.0.31', 'eth2:0', true), addr('eth2', '10.0.0.32', 'eth2:1', true));
  for (const [n, ip] of [[1, '10.0.0.20'], [2, '10.0.0.30']] as const) {
    k.routes.push(
      route(1000 + n, '10.0.0.0/24', `eth${n}`, { scope: '253', prefsrc: ip }),
      route(1000 + n, 'default', `eth${n}`, { gateway: GW }),
      route(254, 'default', `eth${n}`, { gateway: GW, metric: 1000 + n }),
    );
  }
  k.rules.push(rule(30001, '10.0.0.20/32', 1001), rule(30002, '10.0.0.30/32', 1002), rule(30002, '10.0.0.31/32', 1002), rule(30002, '10.0.0.32/32', 1002));
  k.rules.sort((a, b) => a.priority - b.priority);
  return k;
}

function convergedRecord(): ManagedRecord {
  const d = '/etc/sysconfig/network-scripts';
  return {
    version: 1,
    nics: {
      [M0]: { ifname: 'eth0', index: 0, role: 'primary', files: [`${d}/ifcfg-eth0:0`], addresses: [{ address: '10.0.0.11', prefixLength: 24 }] },
      [M1]: { ifname: 'eth1', index: 1, role: 'secondary', files: [`${d}/ifcfg-eth1`, `${d}/rule-eth1`], addresses: [], table: 1001, rulePriority: 30001, down: ['ifdown', 'eth1'] },
      [M2]: {
        ifname: 'eth2', index: 2, role: 'secondary', files: [`${d}/ifcfg-eth2`, `${d}/rule-eth2`],
        addresses: [{ address: '10.0.0.31', prefixLength: 24 }, { address: '10.0.0.32', prefixLength: 24 }], table: 1002, rulePriority: 30002, down: ['ifdown', 'eth2'],
      },
    },
    indexes: {},
  };
}

const diskOf = (files: RenderedFile[]): Map<string, string | null> => new Map(files.map((f) => [f.path, f.content]));

// ---------------------------------------------------------------- scenarios for the goldens

interface Scenario {
  /** Everything planned for one pass, in the order reconcile runs it. */
  plan(): Action[];
}

function fullPass(desired: DesiredState, disk: Map<string, string | null>, record: ManagedRecord, beforeBringUp: KernelState, afterBringUp: KernelState, skip = new Set<string>()): Action[] {
  const rendered = renderedFor(desired);
  const files = planFiles({ desired, rendered, disk, record, force: false });
  assert.deepEqual(files.conflicts, []);
  return [...files.actions, ...planBringUp(desired, beforeBringUp, ifupCommands), ...planKernel({ desired, kernel: afterBringUp, record, routing: ROUTING, skip })];
}

const ALL3 = [ETH0_META, ETH1_META, ETH2_META];

const SCENARIOS: Record<string, Scenario> = {
  // First boot: nothing of ours anywhere; eth1/eth2 are down with no address until ifup.
  'cold-host': {
    plan() {
      const desired = desiredOf(ALL3, LINKS);
      const before = baseKernel();
      before.links = before.links.map((l) => (l.ifname === 'eth1' || l.ifname === 'eth2' ? { ...l, up: false } : l));
      before.addresses = before.addresses.filter((a) => a.ifname !== 'eth1' && a.ifname !== 'eth2');
      return fullPass(desired, new Map(), { version: 1, nics: {}, indexes: {} }, before, baseKernel());
    },
  },
  // The idempotence property: a converged host plans nothing at all.
  'converged-host': {
    plan() {
      const desired = desiredOf(ALL3, LINKS);
      return fullPass(desired, diskOf(renderedFor(desired)), convergedRecord(), convergedKernel(), convergedKernel());
    },
  },
  // Drift: a missing rule, a missing table route, a stale recorded alias (with its rule), a stale
  // route of ours, a hand-edited managed file. A foreign route and an operator's alias stay.
  drift: {
    plan() {
      const desired = desiredOf(ALL3, LINKS);
      const disk = diskOf(renderedFor(desired));
      disk.set('/etc/sysconfig/network-scripts/ifcfg-eth1', `${HEADER}DEVICE=eth1\nBOOTPROTO=dhcp\n`);
      const record = convergedRecord();
      record.nics[M2]!.addresses.push({ address: '10.0.0.33', prefixLength: 24 });
      return fullPass(desired, disk, record, driftKernel(), driftKernel());
    },
  },
  // eth2's ENI was detached: gone from metadata and the kernel. Its files and what it left in
  // table 1002 / at priority 30002 go; a foreign rule (priority 100) and a boot route stay.
  'gone-eni': {
    plan() {
      const links = LINKS.filter((l) => l.ifname !== 'eth2');
      const desired = desiredOf([ETH0_META, ETH1_META], links);
      const record = convergedRecord();
      const disk = diskOf(renderedFor(desiredOf(ALL3, LINKS)));
      const k = convergedKernel();
      k.links = k.links.filter((l) => l.ifname !== 'eth2');
      k.addresses = k.addresses.filter((a) => a.ifname !== 'eth2');
      // The kernel drops main-table routes with the device; table 1002 entries observed in the
      // same pass as the unplug are still listed, and rules never go by themselves.
      k.routes = k.routes.filter((r) => !(r.table === 254 && r.dev === 'eth2'));
      k.routes.push(route(1002, '192.168.5.0/24', 'eth1', { gateway: GW, protocol: '3' }));
      k.rules.push(rule(100, undefined, 1002));
      return fullPass(desired, disk, record, k, k);
    },
  },
  // An unknown link (eth3), a recorded NIC whose link is not there yet (index 4), a NIC with
  // incomplete metadata (eth5) and an unknown non-ethN link with a remembered index (ens9): their
  // rules and routes are left alone. Only eth1's missing rule is planned.
  'unknown-and-pending': {
    plan() {
      const links = [...LINKS, link('eth3', 5, M3), link('eth5', 6, M5), link('ens9', 7, M6)];
      const record = convergedRecord();
      record.nics[M4] = { ifname: 'eth4', index: 4, role: 'secondary', files: ['/etc/sysconfig/network-scripts/ifcfg-eth4'], addresses: [], table: 1004, rulePriority: 30004 };
      record.indexes = { [M6]: 6 };
      const desired = desiredOf([...ALL3, meta(M4, '10.0.0.50'), meta(M5, '10.0.0.60', [], { gateway: undefined })], links, record.indexes);
      assert.deepEqual(desired.unknownLinks, ['eth3', 'ens9']);
      assert.deepEqual(desired.pending.map((p) => p.mac), [M4, M5]);
      const k = convergedKernel();
      k.links.push(...links.slice(4));
      k.rules = k.rules.filter((r) => r.src !== '10.0.0.20/32');
      k.rules.push(rule(30003, '10.0.0.40/32', 1003), rule(30004, '10.0.0.50/32', 1004), rule(30005, '10.0.0.60/32', 1005), rule(30006, '10.0.0.70/32', 1006));
      k.routes.push(route(1003, 'default', 'eth3', { gateway: GW }), route(1005, 'default', 'eth5', { gateway: GW }), route(1006, 'default', 'ens9', { gateway: GW }));
      const disk = diskOf(renderedFor(desired));
      disk.set('/etc/sysconfig/network-scripts/ifcfg-eth4', `${HEADER}DEVICE=eth4\n`);
      return fullPass(desired, disk, record, k, k);
    },
  },
  // The drifted host with eth2 skipped this pass (say, a file conflict): only eth1 is repaired;
  // nothing of eth2's is touched, not even as an orphan.
  'skip-set': {
    plan() {
      const desired = desiredOf(ALL3, LINKS);
      const record = convergedRecord();
      record.nics[M2]!.addresses.push({ address: '10.0.0.33', prefixLength: 24 });
      return planKernel({ desired, kernel: driftKernel(), record, routing: ROUTING, skip: new Set(['eth2']) });
    },
  },
};

function driftKernel(): KernelState {
  const k = convergedKernel();
  k.rules = k.rules.filter((r) => r.src !== '10.0.0.31/32');
  k.rules.push(rule(30002, '10.0.0.33/32', 1002));
  k.routes = k.routes.filter((r) => !(r.table === 1001 && r.dst === '10.0.0.0/24'));
  k.routes.push(route(1002, '172.16.0.0/16', 'eth2', { gateway: GW }), route(1001, '192.168.5.0/24', 'eth1', { gateway: GW, protocol: '3' }));
  k.addresses.push(addr('eth2', '10.0.0.33', 'eth2:2', true), addr('eth1', '10.0.0.99', 'eth1:9', true));
  return k;
}

describe('core: plan goldens (test/golden/plan, UPDATE_GOLDEN=1 regenerates)', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(name, () => {
      const text = formatPlan(scenario.plan());
      const file = `${GOLDEN}${name}.txt`;
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, text);
      }
      assert.equal(text, readFileSync(file, 'utf8'));
    });
  }

  it('converged-host plans nothing (checked on the actions, not only the text)', () => {
    assert.deepEqual(SCENARIOS['converged-host']!.plan(), []);
  });

  it('gone-eni keeps the foreign rule and the boot route in table 1002', () => {
    const actions = SCENARIOS['gone-eni']!.plan();
    assert.ok(!actions.some((a) => a.kind === 'del-rule' && a.rule.priority === 100));
    assert.ok(!actions.some((a) => a.kind === 'del-route' && a.route.protocol !== '73'));
    assert.ok(!actions.some((a) => a.kind.startsWith('add-')));
  });
});

// ---------------------------------------------------------------- focused unit tests

describe('core: sameRoute / sameRule', () => {
  const r = route(1001, 'default', 'eth1', { gateway: GW });
  it('protocol, scope and prefsrc do not make a second route', () => {
    assert.equal(sameRoute(r, { ...r, protocol: '3', scope: '253', prefsrc: '10.0.0.20' }), true);
  });
  it('table, dst, dev, metric, gateway and family do', () => {
    for (const change of [{ table: 1002 }, { dst: '10.0.0.0/24' }, { dev: 'eth2' }, { metric: 1 }, { gateway: '10.0.0.1' }, { gateway: undefined }, { family: 6 as const }]) {
      assert.equal(sameRoute(r, { ...r, ...change }), false, JSON.stringify(change));
    }
  });
  it('rules compare family, priority, table and source', () => {
    const a = rule(30001, '10.0.0.20/32', 1001);
    assert.equal(sameRule(a, { ...a }), true);
    for (const change of [{ priority: 30002 }, { table: 1002 }, { src: '10.0.0.21/32' }, { src: undefined }, { family: 6 as const }]) {
      assert.equal(sameRule(a, { ...a, ...change }), false, JSON.stringify(change));
    }
  });
});

describe('core: planBringUp', () => {
  const desired = desiredOf(ALL3, LINKS);
  it('brings up a secondary that is down or lacks its primary address; never the primary', () => {
    const k = baseKernel();
    k.links = k.links.map((l) => (l.ifname === 'eth1' || l.ifname === 'eth0' ? { ...l, up: false } : l));
    k.addresses = k.addresses.filter((a) => a.ifname !== 'eth2' && a.ifname !== 'eth0');
    assert.deepEqual(planBringUp(desired, k, ifupCommands), [
      { kind: 'ifup', ifname: 'eth1', command: ['ifup', 'eth1'], downCommand: ['ifdown', 'eth1'] },
      { kind: 'ifup', ifname: 'eth2', command: ['ifup', 'eth2'], downCommand: ['ifdown', 'eth2'] },
    ]);
  });
  it('up with its address: nothing; an alias address alone does not count', () => {
    assert.deepEqual(planBringUp(desired, baseKernel(), ifupCommands), []);
    const k = baseKernel();
    k.addresses = k.addresses.filter((a) => a.ifname !== 'eth1');
    k.addresses.push(addr('eth1', '10.0.0.21', 'eth1:0', true));
    assert.deepEqual(planBringUp(desired, k, ifupCommands).map((a) => a.ifname), ['eth1']);
  });
  it('a family with no bring-up command plans none', () => {
    const k = baseKernel();
    k.links = k.links.map((l) => ({ ...l, up: false }));
    assert.deepEqual(planBringUp(desired, k, () => null), []);
  });
});

describe('core: planFiles', () => {
  const desired = desiredOf(ALL3, LINKS);
  const rendered = renderedFor(desired);
  const P = '/etc/sysconfig/network-scripts/ifcfg-eth1';
  const empty: ManagedRecord = { version: 1, nics: {}, indexes: {} };

  it('creates absent files, leaves identical ones, updates managed ones', () => {
    const disk = diskOf(rendered);
    disk.delete(P);
    disk.set('/etc/sysconfig/network-scripts/rule-eth1', `${HEADER}old\n`);
    const plan = planFiles({ desired, rendered, disk, record: empty, force: false });
    assert.deepEqual(plan.actions.map((a) => `${a.kind} ${a.kind === 'write-file' ? a.reason : ''} ${a.kind === 'write-file' || a.kind === 'remove-file' ? a.path : ''}`), [
      `write-file create ${P}`,
      'write-file update /etc/sysconfig/network-scripts/rule-eth1',
    ]);
    assert.deepEqual(plan.conflicts, []);
  });

  it('an unmanaged file is a conflict (header must be the first line), replaced only with force', () => {
    const disk = diskOf(rendered);
    disk.set(P, `# my own\n${HEADER}DEVICE=eth1\n`);
    const plan = planFiles({ desired, rendered, disk, record: empty, force: false });
    assert.deepEqual(plan.actions, []);
    assert.equal(plan.conflicts.length, 1);
    assert.equal(plan.conflicts[0]!.path, P);
    assert.equal(plan.conflicts[0]!.ifname, 'eth1');
    const forced = planFiles({ desired, rendered, disk, record: empty, force: true });
    assert.equal(forced.actions.length, 1);
    assert.deepEqual(forced.conflicts, []);
    const a = forced.actions[0]!;
    assert.ok(a.kind === 'write-file' && a.reason === 'replace-unmanaged' && a.path === P);
  });

  it('removes a bound NIC\'s recorded file it no longer renders, only if still managed', () => {
    const record = convergedRecord();
    record.nics[M1]!.files.push('/etc/sysconfig/network-scripts/route-eth1', '/etc/sysconfig/network-scripts/ifcfg-eth1:0', '/etc/sysconfig/network-scripts/gone-eth1');
    const disk = diskOf(rendered);
    disk.set('/etc/sysconfig/network-scripts/route-eth1', `${HEADER}x\n`);
    disk.set('/etc/sysconfig/network-scripts/ifcfg-eth1:0', 'IPADDR=10.0.0.21\n'); // hand-made: stays
    const plan = planFiles({ desired, rendered, disk, record, force: false });
    assert.deepEqual(plan.actions, [{ kind: 'remove-file', ifname: 'eth1', path: '/etc/sysconfig/network-scripts/route-eth1' }]);
  });

  it('keeps the files of pending and rejected NICs, removes those of a gone NIC', () => {
    const record = convergedRecord();
    record.nics[M4] = { ifname: 'eth4', index: 4, role: 'secondary', files: ['/x/ifcfg-eth4'], addresses: [] };
    record.nics[M5] = { ifname: 'eth5', index: 5, role: 'secondary', files: ['/x/ifcfg-eth5'], addresses: [] };
    record.nics[M3] = { ifname: 'eth3', index: 3, role: 'secondary', files: ['/x/ifcfg-eth3'], addresses: [] };
    const d: DesiredState = { ...desired, pending: [{ mac: M4, reason: 'in metadata, no kernel link yet' }], rejected: [{ mac: M5, reason: 'bad netmask' }] };
    const disk = diskOf(rendered);
    for (const n of [3, 4, 5]) disk.set(`/x/ifcfg-eth${n}`, `${HEADER}DEVICE=eth${n}\n`);
    assert.deepEqual(planFiles({ desired: d, rendered, disk, record, force: false }).actions, [{ kind: 'remove-file', ifname: 'eth3', path: '/x/ifcfg-eth3' }]);
  });
});

describe('core: planKernel details', () => {
  const desired = desiredOf(ALL3, LINKS);

  it('a stale proto-73 main-table route on a bound NIC is replaced; a foreign one with the same shape counts as present', () => {
    const k = convergedKernel();
    k.routes = k.routes.filter((r) => !(r.table === 254 && r.dev === 'eth1' && r.dst === 'default'));
    k.routes.push(route(254, 'default', 'eth1', { gateway: GW, metric: 1005 }));
    k.routes = k.routes.map((r) => (r.table === 1002 && r.dst === 'default' ? { ...r, protocol: '3' } : r));
    assert.equal(
      formatPlan(planKernel({ desired, kernel: k, record: convergedRecord(), routing: ROUTING, skip: new Set() })),
      'NIC   STEP\neth1  ip route del default via 10.0.0.253 dev eth1 metric 1005\neth1  ip route add default via 10.0.0.253 dev eth1 metric 1001\n',
    );
  });

  it('a rule of ours pointing at the wrong table is deleted; a foreign rule at our priority to a foreign table is not', () => {
    const k = convergedKernel();
    k.rules.push(rule(30001, '10.0.0.20/32', 1002), rule(30001, '10.0.0.20/32', 5000), rule(30003, '10.9.9.9/32', 77));
    const actions = planKernel({ desired, kernel: k, record: convergedRecord(), routing: ROUTING, skip: new Set() });
    assert.deepEqual(actions, [{ kind: 'del-rule', ifname: 'eth1', rule: rule(30001, '10.0.0.20/32', 1002) }]);
  });

  it('a moved secondary IP: rule and alias leave eth1 before they are added on eth2', () => {
    const d = desiredOf([ETH0_META, meta(M1, '10.0.0.20'), meta(M2, '10.0.0.30', ['10.0.0.31', '10.0.0.32', '10.0.0.21'])], LINKS);
    const k = convergedKernel();
    k.addresses.push(addr('eth1', '10.0.0.21', 'eth1:0', true));
    k.rules.push(rule(30001, '10.0.0.21/32', 1001));
    const record = convergedRecord();
    record.nics[M1]!.addresses = [{ address: '10.0.0.21', prefixLength: 24 }];
    assert.equal(
      formatPlan(planKernel({ desired: d, kernel: k, record, routing: ROUTING, skip: new Set() })),
      [
        'NIC   STEP',
        'eth1  ip addr del 10.0.0.21/24 dev eth1',
        'eth1  ip rule del from 10.0.0.21/32 lookup 1001 priority 30001',
        'eth2  ip addr add 10.0.0.21/24 dev eth2 label eth2:2',
        'eth2  ip rule add from 10.0.0.21/32 lookup 1002 priority 30002',
        '',
      ].join('\n'),
    );
  });

  it('orphans are bounded to our ranges: priority base+256 and table base+256 are not ours', () => {
    const k = convergedKernel();
    k.rules.push(rule(30256, undefined, 1001), rule(30009, '10.0.0.90/32', 1256), rule(30009, '10.0.0.91/32', 1009));
    k.routes.push(route(1256, 'default', 'eth1', { gateway: GW }), route(1009, 'default', 'eth1', { gateway: GW }), route(999, 'default', 'eth1', { gateway: GW }));
    const actions = planKernel({ desired, kernel: k, record: convergedRecord(), routing: ROUTING, skip: new Set() });
    assert.deepEqual(actions, [
      { kind: 'del-rule', rule: rule(30009, '10.0.0.91/32', 1009) },
      { kind: 'del-route', route: route(1009, 'default', 'eth1', { gateway: GW }) },
    ]);
  });

  it('alias labels follow metadata order and fall back to the bare name beyond 15 bytes', () => {
    assert.equal(aliasLabel('eth2', 0), 'eth2:0');
    assert.equal(aliasLabel('enp0s31f6abcd', 1), 'enp0s31f6abcd:1');
    assert.equal(aliasLabel('enp0s31f6abcde', 10), 'enp0s31f6abcde');
  });
});

describe('core: nextRecord', () => {
  it('updates bound NICs, keeps pending and skipped as they were, drops gone ones', () => {
    const links = LINKS.filter((l) => l.ifname !== 'eth2');
    const d = desiredOf([ETH0_META, meta(M1, '10.0.0.20', ['10.0.0.21']), meta(M4, '10.0.0.50')], links);
    const previous = convergedRecord();
    previous.nics[M4] = { ifname: 'eth4', index: 4, role: 'secondary', files: ['/x'], addresses: [], table: 1004, rulePriority: 30004 };
    const rendered = renderedFor(d);
    const next = nextRecord(previous, d, rendered, { aa: 9 }, new Set(['eth0']), (nic) => ['ifdown', nic.ifname]);
    assert.deepEqual(next, {
      version: 1,
      nics: {
        [M0]: previous.nics[M0], // skipped: untouched
        [M1]: {
          ifname: 'eth1', index: 1, role: 'secondary', files: ['/etc/sysconfig/network-scripts/ifcfg-eth1', '/etc/sysconfig/network-scripts/rule-eth1'],
          addresses: [{ address: '10.0.0.21', prefixLength: 24 }], table: 1001, rulePriority: 30001, down: ['ifdown', 'eth1'],
        },
        [M4]: previous.nics[M4], // pending: kept
      },
      indexes: { aa: 9 },
    });
  });

  it('the primary records its aliases but no table, priority or down command', () => {
    const d = desiredOf(ALL3, LINKS);
    const next = nextRecord({ version: 1, nics: {}, indexes: {} }, d, renderedFor(d), {}, new Set(), () => ['never']);
    assert.deepEqual(next.nics[M0], {
      ifname: 'eth0', index: 0, role: 'primary', files: ['/etc/sysconfig/network-scripts/ifcfg-eth0:0'],
      addresses: [{ address: '10.0.0.11', prefixLength: 24 }], table: undefined, rulePriority: undefined, down: undefined,
    });
  });
});

// ---------------------------------------------------------------- property: applying converges

/** The kernel's side of `ip -batch`: what each action does to the observed state. */
function simulate(kernel: KernelState, actions: Action[]): KernelState {
  const k: KernelState = { links: kernel.links, addresses: [...kernel.addresses], routes: [...kernel.routes], rules: [...kernel.rules] };
  const removeFirst = <T>(list: T[], match: (x: T) => boolean): void => {
    const i = list.findIndex(match);
    assert.ok(i >= 0, 'planned a delete of something that is not there');
    list.splice(i, 1);
  };
  for (const a of actions) {
    switch (a.kind) {
      case 'add-address':
        k.addresses.push({ ifname: a.ifname, family: 4, local: a.address, prefixLength: a.prefixLength, label: a.label, dynamic: false, secondary: true });
        break;
      case 'del-address':
        removeFirst(k.addresses, (x) => x.ifname === a.ifname && x.local === a.address);
        break;
      case 'add-route': // ip shows numeric scope under -N
        k.routes.push({ ...a.route, scope: a.route.scope === 'link' ? '253' : a.route.scope });
        break;
      case 'del-route':
        removeFirst(k.routes, (x) => x.table === a.route.table && x.dst === a.route.dst && x.dev === a.route.dev && x.gateway === a.route.gateway && x.metric === a.route.metric && x.protocol === a.route.protocol);
        break;
      case 'add-rule':
        k.rules.push({ ...a.rule });
        break;
      case 'del-rule':
        removeFirst(k.rules, (x) => x.priority === a.rule.priority && x.table === a.rule.table && x.src === a.rule.src);
        break;
      default:
        assert.fail(`planKernel emitted ${a.kind}`);
    }
  }
  return k;
}

describe('core: property — planning against the applied plan adds nothing', () => {
  it('random NIC subsets, secondary IPs, leftovers and foreign entries', () => {
    const nicArb = fc.record({ present: fc.boolean(), nSec: fc.integer({ min: 0, max: 3 }), recorded: fc.subarray([1, 2, 3, 5]) });
    const junkArb = fc.record({
      rules: fc.uniqueArray(fc.record({ idx: fc.integer({ min: 0, max: 8 }), host: fc.integer({ min: 1, max: 99 }), tableIdx: fc.integer({ min: 0, max: 8 }) }), { maxLength: 8, selector: (r) => `${r.idx}/${r.host}/${r.tableIdx}` }),
      routes: fc.uniqueArray(fc.record({ idx: fc.integer({ min: 0, max: 8 }), proto: fc.constantFrom('73', '3', '4'), net: fc.integer({ min: 0, max: 3 }) }), { maxLength: 8, selector: (r) => `${r.idx}/${r.proto}/${r.net}` }),
    });
    fc.assert(
      fc.property(fc.array(nicArb, { minLength: 7, maxLength: 7 }), fc.integer({ min: 0, max: 3 }), junkArb, (nicSpecs, primarySec, junk) => {
        const metas: NicMetadata[] = [meta(M0, '10.0.0.10', Array.from({ length: primarySec }, (_, k) => `10.0.0.${11 + k}`))];
        const links: KernelLink[] = [LO, link('eth0', 2, M0)];
        const record: ManagedRecord = { version: 1, nics: {}, indexes: {} };
        const kernel = baseKernel();
        kernel.addresses = kernel.addresses.filter((a) => a.ifname === 'eth0' || a.ifname === 'lo');
        kernel.routes = kernel.routes.filter((r) => r.dev === 'eth0');
        nicSpecs.forEach((spec, i) => {
          const n = i + 1;
          if (!spec.present) return;
          const mac = `00:16:3e:00:01:${n.toString(16).padStart(2, '0')}`;
          const primary = `10.0.0.${n * 20}`;
          metas.push(meta(mac, primary, Array.from({ length: spec.nSec }, (_, k) => `10.0.0.${n * 20 + k + 1}`)));
          links.push(link(`eth${n}`, n + 2, mac));
          kernel.addresses.push(addr(`eth${n}`, primary));
          // Aliases recorded by an earlier pass (some still wanted, 5 never is) are on the link.
          record.nics[mac] = { ifname: `eth${n}`, index: n, role: 'secondary', files: [], addresses: spec.recorded.map((k) => ({ address: `10.0.0.${n * 20 + k}`, prefixLength: 24 })) };
          for (const k of spec.recorded) kernel.addresses.push(addr(`eth${n}`, `10.0.0.${n * 20 + k}`, `eth${n}:${k}`, true));
        });
        for (const r of junk.rules) kernel.rules.push(rule(30000 + r.idx, `10.9.${r.idx}.${r.host}/32`, 1000 + r.tableIdx));
        for (const r of junk.routes) kernel.routes.push(route(1000 + r.idx, `192.168.${r.net}.0/24`, 'eth0', { gateway: GW, protocol: r.proto }));
        kernel.rules.push(rule(100, undefined, 1003));
        kernel.links = links;

        const desired = desiredOf(metas, links);
        const first = planKernel({ desired, kernel, record, routing: ROUTING, skip: new Set() });
        const after = simulate(kernel, first);
        const record2 = nextRecord(record, desired, [], {}, new Set(), () => null);
        const second = planKernel({ desired, kernel: after, record: record2, routing: ROUTING, skip: new Set() });
        assert.deepEqual(second.filter((a) => a.kind.startsWith('add-')), [], 'second pass adds');
        assert.deepEqual(second, [], 'second pass plans anything');
        // Foreign entries survive: non-73 routes and rules outside our priority range.
        for (const r of kernel.routes.filter((x) => x.protocol !== '73')) assert.ok(after.routes.includes(r));
        assert.ok(after.rules.some((r) => r.priority === 100));
        // Nothing of ours is left at an index no NIC holds (orphans removed in the first pass).
        // (Index 0 is held by the primary, so entries at priority 30000 / table 1000 stay.)
        const priorities = new Set(desired.nics.map((n) => 30000 + n.index));
        const tables = new Set(desired.nics.map((n) => 1000 + n.index));
        assert.deepEqual(after.rules.filter((r) => r.priority >= 30000 && r.priority <= 30255 && r.table >= 1000 && r.table <= 1255 && !priorities.has(r.priority)), []);
        assert.deepEqual(after.routes.filter((r) => r.protocol === '73' && r.table >= 1000 && r.table <= 1255 && !tables.has(r.table)), []);
        // Every bound secondary ends with exactly its rules, its three routes and its aliases.
        for (const nic of desired.nics.filter((x) => x.role === 'secondary')) {
          const ips = [nic.primaryIp, ...nic.secondaryIps].map((ip) => `${ip}/32`).sort();
          assert.deepEqual(after.rules.filter((r) => r.priority === nic.rulePriority).map((r) => r.src).sort(), ips);
          assert.equal(after.routes.filter((r) => r.protocol === '73' && (r.table === nic.table || r.dev === nic.ifname)).length, 3);
          assert.deepEqual(after.addresses.filter((a) => a.ifname === nic.ifname && a.secondary).map((a) => a.local).sort(), [...nic.secondaryIps].sort());
        }
      }),
      { seed: 20260101, numRuns: 300 },
    );
  });
});
