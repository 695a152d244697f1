import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../../src/config/config.js';
import type { Action } from '../../src/model/actions.js';
import { parseEthtoolChannels, type ChannelInfo } from '../../src/tuning/ethtool.js';
import { NoteOnce, planTuning } from '../../src/tuning/plan.js';
import { formatTuningStatusLine, tuningStatus } from '../../src/tuning/status.js';
import type { ObservedNicTuning, ObservedTuning, TuningConfig, TuningNic } from '../../src/tuning/types.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/ethtool/', import.meta.url));
const channels = (name: string): ChannelInfo => parseEthtoolChannels(readFileSync(`${FIXTURES}${name}`, 'utf8'))!;

const tuning = (over: Partial<TuningConfig> = {}): TuningConfig => ({ ...defaultConfig().tuning, ...over });

function nic(ifname: string, ch: ChannelInfo | null | undefined, masks: string[], flow: number[] = []): ObservedNicTuning {
  return {
    ifname,
    present: true,
    channels: ch,
    rxQueues: masks.map((m, index) => ({
      name: `rx-${index}`,
      index,
      rpsCpusPath: `/sys/class/net/${ifname}/queues/rx-${index}/rps_cpus`,
      rpsCpus: m,
      rpsFlowCnt: flow[index] ?? 0,
    })),
  };
}

function observed(nics: ObservedNicTuning[], over: Partial<ObservedTuning> = {}): ObservedTuning {
  return {
    sysfsRoot: '/sys',
    procRoot: '/proc',
    onlineCpus: [0, 1, 2, 3],
    ethtoolAvailable: true,
    nics,
    irqbalance: { installed: true, systemd: true, active: true },
    rpsSockFlowEntries: 0,
    rpsSockFlowEntriesPath: '/proc/sys/net/core/rps_sock_flow_entries',
    ...over,
  };
}

const NICS: TuningNic[] = [
  { ifname: 'eth0', role: 'primary' },
  { ifname: 'eth1', role: 'secondary' },
];
const kinds = (actions: Action[]): string[] => actions.map((a) => `${a.kind}${'ifname' in a && a.ifname ? `:${a.ifname}` : ''}${'queue' in a ? `:${a.queue}` : ''}`);

describe('tuning: planTuning', () => {
  it('guide scenario: raises eth0 to 2 and eth1 to 4 combined, seeds RPS on every queue they will have', () => {
    const obs = observed([nic('eth0', channels('guide-eth0.txt'), ['0']), nic('eth1', channels('guide-eth1.txt'), ['0'])], {
      irqbalance: { installed: true, systemd: true, active: false },
    });
    const { actions, notes } = planTuning(NICS, obs, tuning({ rps: 'seed' }));
    assert.deepEqual(notes, []);
    assert.deepEqual(kinds(actions), [
      'set-channels:eth0',
      'write-rps:eth0:rx-0',
      'write-rps:eth0:rx-1',
      'set-channels:eth1',
      'write-rps:eth1:rx-0',
      'write-rps:eth1:rx-1',
      'write-rps:eth1:rx-2',
      'write-rps:eth1:rx-3',
      'start-irqbalance',
    ]);
    assert.deepEqual(actions[0], { kind: 'set-channels', ifname: 'eth0', shape: 'combined', from: 1, to: 2 });
    assert.deepEqual(actions[5], { kind: 'write-rps', ifname: 'eth1', queue: 'rx-1', path: '/sys/class/net/eth1/queues/rx-1/rps_cpus', from: null, to: 'f' });
    assert.deepEqual(actions[4], { kind: 'write-rps', ifname: 'eth1', queue: 'rx-0', path: '/sys/class/net/eth1/queues/rx-0/rps_cpus', from: '0', to: 'f' });
  });

  it('converged input → no actions, in every mode (kernel-padded masks compare by value)', () => {
    const cpus = Array.from({ length: 64 }, (_, i) => i);
    const cases: Array<[TuningConfig['rps'], string, number]> = [
      ['seed', '00000000,000000ff', 1],
      ['all', 'ffffffff,ffffffff', 1],
      ['off', '00000000,00000000', 1],
      ['auto', 'ffffffff,ffffffff', 4], // 4 queues < 64 CPUs → all
      ['0x0000000f', '00000000,0000000f', 1],
      ['1,00000001', '00000001,00000001', 1],
    ];
    for (const [mode, mask, queues] of cases) {
      const ch = queues === 4 ? channels('ecs-virtio-4q-na.txt') : channels('virtio-net-host-1q.txt');
      if (queues === 4) ch.current.combined = 4;
      const obs = observed([nic('eth0', ch, Array(queues).fill(mask)), nic('eth1', ch, Array(queues).fill(mask))], { onlineCpus: cpus });
      assert.deepEqual(planTuning(NICS, obs, tuning({ rps: mode })), { actions: [], notes: [] }, String(mode));
    }
  });

  it('auto: RPS off once RX queues reach the CPU count, counting queues a channel raise will add', () => {
    // 4 CPUs; eth1 at 1 of 4 combined → after the raise it has 4 queues → off
    const obs = observed([nic('eth1', channels('guide-eth1.txt'), ['f'])]);
    const { actions } = planTuning(NICS, obs, tuning({ rps: 'auto' }));
    assert.deepEqual(
      actions.filter((a) => a.kind === 'write-rps').map((a) => (a as { to: string }).to),
      ['0', '0', '0', '0'],
      'rx-0 goes from f to 0; rx-1..3 do not exist yet (unknown mask), so they are planned too and apply re-checks them',
    );
  });

  it('includePrimary false leaves the primary alone', () => {
    const obs = observed([nic('eth0', channels('guide-eth0.txt'), ['0']), nic('eth1', channels('guide-eth1.txt'), ['0'])]);
    const { actions } = planTuning(NICS, obs, tuning({ includePrimary: false, rps: 'all' }));
    assert.ok(actions.every((a) => !('ifname' in a) || a.ifname === 'eth1'));
    assert.ok(actions.some((a) => a.kind === 'set-channels'));
  });

  it('multiqueue false: no channel change, RPS on the queues that exist', () => {
    const obs = observed([nic('eth1', channels('guide-eth1.txt'), ['0'])]);
    const { actions } = planTuning(NICS, obs, tuning({ multiqueue: false, rps: 'all' }));
    assert.deepEqual(kinds(actions), ['write-rps:eth1:rx-0']);
  });

  it('maxChannels caps the raise', () => {
    const obs = observed([nic('eth1', channels('combined-64q.txt'), Array(8).fill('0'))]);
    const { actions } = planTuning(NICS, obs, tuning({ maxChannels: 16, rps: 'off' }));
    assert.deepEqual(actions, [{ kind: 'set-channels', ifname: 'eth1', shape: 'combined', from: 8, to: 16 }, ...Array.from({ length: 8 }, (_, i) => ({ kind: 'write-rps', ifname: 'eth1', queue: `rx-${8 + i}`, path: `/sys/class/net/eth1/queues/rx-${8 + i}/rps_cpus`, from: null, to: '0' }))]);
  });

  it('irqbalance: start when inactive under systemd; a note without systemd or binary; nothing when off', () => {
    const base = [nic('eth1', null, ['0'])];
    const cfg = tuning({ rps: 'off' });
    assert.deepEqual(planTuning(NICS, observed(base, { irqbalance: { installed: true, systemd: true, active: false } }), cfg).actions, [{ kind: 'start-irqbalance' }]);
    assert.deepEqual(planTuning(NICS, observed(base, { irqbalance: { installed: true, systemd: true, active: true } }), cfg).actions, []);
    const noSystemd = planTuning(NICS, observed(base, { irqbalance: { installed: true, systemd: false, active: null } }), cfg);
    assert.deepEqual(noSystemd.actions, []);
    assert.deepEqual(noSystemd.notes.map((n) => n.code).sort(), ['irqbalance-no-systemd', 'nic-missing', 'no-channels']);
    const missing = planTuning(NICS, observed(base, { irqbalance: { installed: false, systemd: true, active: null } }), cfg);
    assert.ok(missing.notes.some((n) => n.code === 'irqbalance-not-installed'));
    assert.deepEqual(missing.actions, []);
    assert.deepEqual(planTuning(NICS, observed(base, { irqbalance: { installed: true, systemd: true, active: false } }), tuning({ rps: 'off', irqbalance: false })).actions, []);
  });

  it('ethtool missing: one note for all NICs, RPS still planned', () => {
    const obs = observed([nic('eth0', undefined, ['0']), nic('eth1', undefined, ['0'])], { ethtoolAvailable: false });
    const { actions, notes } = planTuning(NICS, obs, tuning({ rps: 'all' }));
    assert.deepEqual(notes.map((n) => n.code), ['ethtool-missing']);
    assert.deepEqual(kinds(actions), ['write-rps:eth0:rx-0', 'write-rps:eth1:rx-0']);
  });

  it('RFS: global table and per-queue counts (entries / RX queues, rounded up like the kernel)', () => {
    const ch = channels('veth-4q.txt');
    const obs = observed([nic('eth1', ch, ['f', 'f', 'f'], [0, 0, 16384])], { rpsSockFlowEntries: 0 });
    const { actions } = planTuning([{ ifname: 'eth1', role: 'secondary' }], obs, tuning({ rps: 'all', rfs: { entries: 32768 } }));
    assert.deepEqual(actions, [
      { kind: 'write-sysfs', path: '/proc/sys/net/core/rps_sock_flow_entries', from: '0', to: '32768', why: 'RFS global socket flow table (net.core.rps_sock_flow_entries)' },
      { kind: 'write-sysfs', ifname: 'eth1', path: '/sys/class/net/eth1/queues/rx-0/rps_flow_cnt', from: '0', to: '16384', why: 'RFS flow count for rx-0 (32768 entries / 3 RX queues)' },
      { kind: 'write-sysfs', ifname: 'eth1', path: '/sys/class/net/eth1/queues/rx-1/rps_flow_cnt', from: '0', to: '16384', why: 'RFS flow count for rx-1 (32768 entries / 3 RX queues)' },
    ]);
    const converged = observed([nic('eth1', ch, ['f', 'f', 'f'], [16384, 16384, 16384])], { rpsSockFlowEntries: 32768 });
    assert.deepEqual(planTuning([{ ifname: 'eth1', role: 'secondary' }], converged, tuning({ rps: 'all', rfs: { entries: 32768 } })).actions, []);
    const inNetns = observed([nic('eth1', ch, ['f', 'f', 'f'], [16384, 16384, 16384])], { rpsSockFlowEntries: null });
    const p = planTuning([{ ifname: 'eth1', role: 'secondary' }], inNetns, tuning({ rps: 'all', rfs: { entries: 32768 } }));
    assert.deepEqual(p.actions, []);
    assert.deepEqual(p.notes.map((n) => n.code), ['rfs-unavailable']);
  });

  it('notes a missing NIC, an impossible mask and unknown CPUs without failing the rest', () => {
    const obs = observed([{ ifname: 'eth0', present: false, rxQueues: [] }, nic('eth1', null, ['0'])]);
    const p = planTuning(NICS, obs, tuning({ rps: 'f0' })); // CPUs 4-7, none online
    assert.deepEqual(p.actions, []);
    assert.deepEqual(p.notes.map((n) => n.code).sort(), ['nic-missing', 'no-channels', 'rps-mask-invalid']);
    const noCpus = planTuning(NICS, observed([nic('eth1', channels('guide-eth1.txt'), ['0'])], { onlineCpus: null }), tuning());
    assert.deepEqual(kinds(noCpus.actions), ['set-channels:eth1']);
    assert.ok(noCpus.notes.some((n) => n.code === 'cpus-unknown'));
  });

  it('is idempotent: applying a plan to the observation and re-planning yields nothing', () => {
    const modes: TuningConfig['rps'][] = ['auto', 'seed', 'all', 'off', 'ff'];
    const cpuLists = [[0], [0, 1], [0, 1, 2, 3, 8, 9, 10, 11], Array.from({ length: 33 }, (_, i) => i)];
    const fixtures = ['guide-eth0.txt', 'guide-eth1.txt', 'veth-lowered-1.txt', 'combined-64q.txt', 'rxtx-uneven.txt', 'unsupported-netlink.txt'];
    for (const mode of modes)
      for (const cpus of cpuLists)
        for (const fx of fixtures) {
          const raw = readFileSync(`${FIXTURES}${fx}`, 'utf8');
          const ch = parseEthtoolChannels(raw);
          const startQueues = ch ? (ch.current.combined ?? ch.current.rx ?? 1) || 1 : 1;
          const obs = observed([nic('eth1', ch, Array(startQueues).fill('0'))], { onlineCpus: cpus, irqbalance: { installed: true, systemd: true, active: false } });
          const cfg = tuning({ rps: mode, rfs: { entries: 4096 }, maxChannels: 32 });
          const plan = planTuning([{ ifname: 'eth1', role: 'secondary' }], obs, cfg);
          const after = simulate(obs, plan.actions);
          assert.deepEqual(planTuning([{ ifname: 'eth1', role: 'secondary' }], after, cfg).actions, [], `${String(mode)} ${cpus.length} CPUs ${fx}`);
        }
  });

  it('NoteOnce logs a note once until its condition clears', () => {
    const once = new NoteOnce();
    const a = { level: 'info' as const, code: 'irqbalance-no-systemd' as const, message: 'x' };
    assert.equal(once.fresh([a]).length, 1);
    assert.equal(once.fresh([a]).length, 0);
    assert.equal(once.fresh([]).length, 0);
    assert.equal(once.fresh([a]).length, 1);
  });

  it('status: channels, RPS mask and drift per NIC', () => {
    const obs = observed([nic('eth0', channels('virtio-net-host-1q.txt'), ['00000000,0000000f']), nic('eth1', channels('guide-eth1.txt'), ['0'])]);
    const status = tuningStatus(NICS, obs, tuning({ rps: 'all' }));
    assert.deepEqual(status[0], {
      ifname: 'eth0',
      present: true,
      channels: { shape: 'combined', current: 1, max: 1 },
      rxQueues: 1,
      rpsMask: 'f',
      rpsMasks: { 'rx-0': '00000000,0000000f' },
      drift: [],
    });
    assert.equal(formatTuningStatusLine(status[0]!), 'eth0  channels 1/1 (combined)  rx queues 1  rps f');
    assert.deepEqual(status[1]!.drift, ['channels 1 → 4', 'rx-0 rps_cpus 0 → f', 'rx-1 rps_cpus - → f', 'rx-2 rps_cpus - → f', 'rx-3 rps_cpus - → f']);
  });
});

/** What the kernel would show after the actions (rounding and padding aside). */
function simulate(obs: ObservedTuning, actions: Action[]): ObservedTuning {
  const next: ObservedTuning = structuredClone(obs);
  for (const a of actions) {
    const n = next.nics.find((x) => 'ifname' in a && x.ifname === a.ifname);
    if (a.kind === 'set-channels' && n?.channels) {
      const added = a.to - a.from;
      if (a.shape === 'combined') n.channels.current.combined = a.to;
      else {
        n.channels.current.rx = a.to;
        n.channels.current.tx = a.toTx ?? n.channels.current.tx;
      }
      for (let i = 0; i < added; i += 1) {
        const index = n.rxQueues.length;
        n.rxQueues.push({ name: `rx-${index}`, index, rpsCpusPath: `/sys/class/net/${n.ifname}/queues/rx-${index}/rps_cpus`, rpsCpus: '0', rpsFlowCnt: 0 });
      }
    } else if (a.kind === 'write-rps' && n) {
      n.rxQueues.find((q) => q.name === a.queue)!.rpsCpus = `00000000,${a.to.padStart(8, '0')}`.slice(a.to.includes(',') ? 9 : 0);
    } else if (a.kind === 'write-sysfs') {
      if (a.path.endsWith('rps_sock_flow_entries')) next.rpsSockFlowEntries = Number(a.to);
      else if (n) n.rxQueues.find((q) => a.path.includes(`/${q.name}/`))!.rpsFlowCnt = Number(a.to);
    } else if (a.kind === 'start-irqbalance') {
      next.irqbalance = { ...next.irqbalance!, active: true };
    }
  }
  return next;
}
