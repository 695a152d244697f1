// buildDesiredState: binding metadata to kernel links, pending/rejected/unknown NICs,
// index memory for names other than ethN, and the table/metric/priority numbering.
import assert from 'node:assert/strict';
import type { Config } from '../../src/config/config.js';
import type { KernelLink, MetadataSnapshot, NicMetadata } from '../../src/model/types.js';
import { buildDesiredState, type DesiredInput } from '../../src/plan/desired.js';

const ROUTING: Config['routing'] = { tableBase: 1000, metricBase: 1000, rulePriorityBase: 30000 };

const link = (ifname: string, ifindex: number, mac: string, extra: Partial<KernelLink> = {}): KernelLink => ({ ifname, ifindex, mac, up: true, linkType: 'ether', ...extra });
const meta = (mac: string, primaryIp: string, extra: Partial<NicMetadata> = {}): NicMetadata => ({
  mac,
  primaryIp,
  prefixLength: 24,
  gateway: '10.0.0.253',
  privateIpv4s: [primaryIp],
  ipv6s: [],
  ...extra,
});

const M0 = '00:16:3e:00:00:01';
const M1 = '00:16:3e:00:00:02';
const M2 = '00:16:3e:00:00:03';
const M3 = '00:16:3e:00:00:04';

function input(nics: NicMetadata[], links: KernelLink[], over: Partial<DesiredInput> = {}, rejected: MetadataSnapshot['rejected'] = []): DesiredInput {
  return {
    snapshot: { primaryMac: M0, nics, rejected, source: 'all' },
    links,
    config: { routing: ROUTING, addressing: 'dhcp' },
    family: 'rhel',
    indexMemory: {},
    ...over,
  };
}

describe('core: buildDesiredState', () => {
  it('binds the three-NIC host: primary gets aliases only, secondaries get table/metric/priority base+N', () => {
    const result = buildDesiredState(
      input(
        [
          meta(M0, '10.0.0.10', { privateIpv4s: ['10.0.0.10', '10.0.0.11'], eniId: 'eni-primary0001' }),
          meta(M1, '10.0.0.20', { eniId: 'eni-second00001' }),
          meta(M2, '10.0.0.30', { privateIpv4s: ['10.0.0.31', '10.0.0.30', '10.0.0.32'] }),
        ],
        [link('lo', 1, '00:00:00:00:00:00', { linkType: 'loopback' }), link('eth0', 2, M0), link('eth1', 3, M1), link('eth2', 4, M2)],
      ),
    );
    assert.deepEqual(result.state.nics, [
      { ifname: 'eth0', mac: M0, index: 0, role: 'primary', eniId: 'eni-primary0001', primaryIp: '10.0.0.10', prefixLength: 24, secondaryIps: ['10.0.0.11'] },
      {
        ifname: 'eth1', mac: M1, index: 1, role: 'secondary', eniId: 'eni-second00001', primaryIp: '10.0.0.20', prefixLength: 24, gateway: '10.0.0.253',
        subnet: '10.0.0.0/24', secondaryIps: [], table: 1001, metric: 1001, rulePriority: 30001,
      },
      {
        ifname: 'eth2', mac: M2, index: 2, role: 'secondary', eniId: undefined, primaryIp: '10.0.0.30', prefixLength: 24, gateway: '10.0.0.253',
        // Metadata order of the others is kept; the primary is removed wherever it stands.
        subnet: '10.0.0.0/24', secondaryIps: ['10.0.0.31', '10.0.0.32'], table: 1002, metric: 1002, rulePriority: 30002,
      },
    ]);
    assert.deepEqual(result.state.pending, []);
    assert.deepEqual(result.state.unknownLinks, []);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.indexMemory, {});
    assert.equal(result.state.family, 'rhel');
    assert.equal(result.state.addressing, 'dhcp');
    assert.equal(result.state.primaryMac, M0);
  });

  it('uses the configured bases', () => {
    const result = buildDesiredState({
      ...input([meta(M0, '10.0.0.10'), meta(M3, '10.0.0.40')], [link('eth0', 2, M0), link('eth3', 5, M3)]),
      config: { routing: { tableBase: 2000, metricBase: 500, rulePriorityBase: 20000 }, addressing: 'static' },
    });
    const eth3 = result.state.nics.find((n) => n.ifname === 'eth3')!;
    assert.equal(eth3.index, 3);
    assert.equal(eth3.table, 2003);
    assert.equal(eth3.metric, 503);
    assert.equal(eth3.rulePriority, 20003);
    assert.equal(result.state.addressing, 'static');
  });

  it('a MAC in metadata without a kernel link is pending', () => {
    const result = buildDesiredState(input([meta(M0, '10.0.0.10'), meta(M1, '10.0.0.20')], [link('eth0', 2, M0)]));
    assert.deepEqual(result.state.pending, [{ mac: M1, reason: 'in metadata, no kernel link yet' }]);
    assert.deepEqual(result.state.nics.map((n) => n.ifname), ['eth0']);
  });

  it('a secondary with incomplete metadata is pending, naming what is missing', () => {
    const result = buildDesiredState(
      input([meta(M0, '10.0.0.10'), meta(M1, '10.0.0.20', { gateway: undefined }), meta(M2, '10.0.0.30', { primaryIp: undefined, prefixLength: undefined })], [link('eth0', 2, M0), link('eth1', 3, M1), link('eth2', 4, M2)]),
    );
    assert.deepEqual(result.state.pending, [
      { mac: M1, ifname: 'eth1', reason: 'metadata incomplete: no gateway' },
      { mac: M2, ifname: 'eth2', reason: 'metadata incomplete: no primary-ip-address, netmask' },
    ]);
    assert.deepEqual(result.state.nics.map((n) => n.ifname), ['eth0']);
  });

  it('a primary without a netmask still binds, with no aliases', () => {
    const result = buildDesiredState(input([meta(M0, '10.0.0.10', { prefixLength: undefined, privateIpv4s: ['10.0.0.10', '10.0.0.11'] })], [link('eth0', 2, M0)]));
    assert.equal(result.state.nics[0]!.role, 'primary');
    assert.deepEqual(result.state.nics[0]!.secondaryIps, []);
  });

  it('rejected NICs with a link are pending (left alone); rejected ones are echoed; no link → not pending', () => {
    const rejected = [
      { mac: M1, reason: 'gateway is not an IPv4 address: "x"' },
      { mac: M3, reason: 'netmask is not a contiguous netmask' },
    ];
    const result = buildDesiredState(input([meta(M0, '10.0.0.10')], [link('eth0', 2, M0), link('eth1', 3, M1)], {}, rejected));
    assert.deepEqual(result.state.pending, [{ mac: M1, ifname: 'eth1', reason: 'rejected: gateway is not an IPv4 address: "x"' }]);
    assert.deepEqual(result.state.rejected, rejected);
    // A rejected MAC is known to metadata: not an unknown link.
    assert.deepEqual(result.state.unknownLinks, []);
  });

  it('Ethernet links absent from metadata are unknown; loopback, zero-MAC and non-ether links are not candidates', () => {
    const result = buildDesiredState(
      input(
        [meta(M0, '10.0.0.10')],
        [
          link('lo', 1, '00:00:00:00:00:00', { linkType: 'loopback' }),
          link('eth0', 2, M0),
          link('eth5', 3, '00:16:3e:99:99:99', { up: false }),
          link('docker0', 4, '02:42:ac:11:00:01'),
          link('tun0', 5, '', { linkType: 'none' }),
          link('weird0', 6, '00:00:00:00:00:00'),
        ],
      ),
    );
    assert.deepEqual(result.state.unknownLinks, ['eth5', 'docker0']);
  });

  it('warns when the gateway is outside the subnet, and still binds the NIC', () => {
    const result = buildDesiredState(input([meta(M0, '10.0.0.10'), meta(M1, '10.0.0.20', { gateway: '10.0.1.253' })], [link('eth0', 2, M0), link('eth1', 3, M1)]));
    assert.deepEqual(result.warnings, ['eth1: gateway 10.0.1.253 is outside 10.0.0.0/24']);
    assert.equal(result.state.nics.length, 2);
  });

  it('subnet is the network of primary/prefix', () => {
    const result = buildDesiredState(input([meta(M0, '10.0.0.10'), meta(M1, '172.16.5.77', { prefixLength: 20, gateway: '172.16.15.253' })], [link('eth0', 2, M0), link('eth1', 3, M1)]));
    assert.equal(result.state.nics[1]!.subnet, '172.16.0.0/20');
    assert.deepEqual(result.warnings, []);
  });

  describe('index memory for names other than ethN', () => {
    it('a new non-ethN NIC gets the lowest index not used by an ethN link (bound or not) nor remembered', () => {
      const mem = { '00:16:3e:77:77:77': 2 };
      const result = buildDesiredState(
        input([meta(M0, '10.0.0.10'), meta(M1, '10.0.0.20'), meta(M2, '10.0.0.30')], [link('eth0', 2, M0), link('eth1', 3, M1), link('eth3', 4, '00:16:3e:99:99:99'), link('ens7', 5, M2)], { indexMemory: mem }),
      );
      const ens7 = result.state.nics.find((n) => n.ifname === 'ens7')!;
      // 0 eth0, 1 eth1, 2 remembered for another MAC, 3 eth3 (unknown link) → 4.
      assert.equal(ens7.index, 4);
      assert.equal(ens7.table, 1004);
      assert.equal(ens7.metric, 1004);
      assert.equal(ens7.rulePriority, 30004);
      assert.deepEqual(result.indexMemory, { '00:16:3e:77:77:77': 2, [M2]: 4 });
      // The caller's memory is not mutated.
      assert.deepEqual(mem, { '00:16:3e:77:77:77': 2 });
    });

    it('a remembered index survives a reboot that reorders the links', () => {
      const result = buildDesiredState(input([meta(M0, '10.0.0.10'), meta(M2, '10.0.0.30')], [link('eth0', 2, M0), link('ens9', 3, M2)], { indexMemory: { [M2]: 7 } }));
      assert.equal(result.state.nics[1]!.index, 7);
      assert.equal(result.state.nics[1]!.table, 1007);
      assert.deepEqual(result.indexMemory, { [M2]: 7 });
    });

    it('two new non-ethN NICs get distinct indexes; NICs come out sorted by index', () => {
      const result = buildDesiredState(input([meta(M2, '10.0.0.30'), meta(M1, '10.0.0.20'), meta(M0, '10.0.0.10')], [link('ensB', 4, M2), link('ensA', 3, M1), link('eth0', 2, M0)]));
      assert.deepEqual(
        result.state.nics.map((n) => [n.ifname, n.index]),
        [['eth0', 0], ['ensB', 1], ['ensA', 2]],
      );
      assert.deepEqual(result.indexMemory, { [M2]: 1, [M1]: 2 });
    });

    it('the primary is index 0 whatever its name, and does not consume memory', () => {
      const result = buildDesiredState(input([meta(M0, '10.0.0.10'), meta(M1, '10.0.0.20')], [link('ens5', 2, M0), link('ens6', 3, M1)]));
      assert.deepEqual(result.state.nics.map((n) => [n.ifname, n.index, n.role]), [['ens5', 0, 'primary'], ['ens6', 1, 'secondary']]);
      assert.deepEqual(result.indexMemory, { [M1]: 1 });
    });

    it('no free index up to 255 → pending', () => {
      const full: Record<string, number> = {};
      for (let i = 1; i <= 255; i += 1) full[`02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`] = i;
      const result = buildDesiredState(input([meta(M0, '10.0.0.10'), meta(M1, '10.0.0.20')], [link('eth0', 2, M0), link('ens6', 3, M1)], { indexMemory: full }));
      assert.deepEqual(result.state.pending, [{ mac: M1, ifname: 'ens6', reason: 'no free index up to 255' }]);
    });

    // Memory {M2: 1} (ens7 was given 1 while there was no eth1), then eth1 (M1) appears: the
    // remembered number yields to eth1, ens7 moves to the lowest free index (2).
    it('a remembered index never collides with an ethN link', () => {
      const result = buildDesiredState(
        input([meta(M0, '10.0.0.10'), meta(M1, '10.0.0.20'), meta(M2, '10.0.0.30')], [link('eth0', 2, M0), link('eth1', 3, M1), link('ens7', 4, M2)], { indexMemory: { [M2]: 1 } }),
      );
      const tables = result.state.nics.filter((n) => n.role === 'secondary').map((n) => n.table);
      assert.equal(new Set(tables).size, tables.length, `tables ${tables.join(',')} must be distinct`);
      assert.equal(result.state.nics.find((n) => n.ifname === 'ens7')?.table, 1002);
      assert.equal(result.indexMemory[M2], 2);
    });
  });
});
