// Snapshots end to end over real HTTP: the /all path (with the published g8i answer), the crawl,
// the secondary-NIC fallback when /all lacks addresses, and hostile values rejecting one NIC.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MetadataClient } from '../../src/metadata/client.js';
import { MetadataError } from '../../src/metadata/errors.js';
import type { MetadataSnapshot, NicMetadata } from '../../src/model/types.js';
import { FakeImds, type FakeImdsScenario, startFakeImds } from '../testbed/fake-imds.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/metadata/', import.meta.url));
const load = (name: string): Record<string, unknown> => JSON.parse(readFileSync(`${fixtures}${name}`, 'utf8')) as Record<string, unknown>;
const clone = <T>(value: T): T => structuredClone(value);

const EXPECTED_THREE_NIC: NicMetadata[] = [
  {
    mac: '00:16:3e:0a:00:0a',
    eniId: 'eni-bp1primary000000001',
    primaryIp: '10.0.0.10',
    prefixLength: 24,
    gateway: '10.0.0.253',
    vswitchCidr: '10.0.0.0/24',
    privateIpv4s: ['10.0.0.10'],
    ipv6s: [],
  },
  {
    mac: '00:16:3e:0a:00:0b',
    eniId: 'eni-bp1second000000002',
    primaryIp: '10.0.0.11',
    prefixLength: 24,
    gateway: '10.0.0.253',
    vswitchCidr: '10.0.0.0/24',
    privateIpv4s: ['10.0.0.11', '10.0.0.21', '10.0.0.22'],
    ipv6s: [],
  },
  {
    mac: '00:16:3e:0a:00:0c',
    eniId: 'eni-bp1third0000000003',
    primaryIp: '10.0.0.12',
    prefixLength: 24,
    gateway: '10.0.0.253',
    vswitchCidr: '10.0.0.0/24',
    privateIpv4s: ['10.0.0.12'],
    ipv6s: ['2408:4005:3de:8500:4fa0:c9ee:dd3:c41b', '2408:4005:3de:8500:4fa0:c9ee:dd3:c41c'],
    ipv6Gateway: '2408:4005:3de:8500:ffff:ffff:ffff:fffd',
  },
];

function macsOf(meta: Record<string, unknown>): Record<string, Record<string, unknown>> {
  return ((meta['network'] as Record<string, unknown>)['interfaces'] as Record<string, unknown>)['macs'] as Record<string, Record<string, unknown>>;
}

describe('metadata snapshot', function () {
  this.timeout(20_000);
  let fake: FakeImds | undefined;
  let client: MetadataClient | undefined;

  async function snapshot(scenario: FakeImdsScenario, options: { token?: 'auto' | 'off' } = { token: scenario.token === 'off' ? 'off' : 'auto' }): Promise<MetadataSnapshot> {
    fake = await startFakeImds(scenario);
    client = new MetadataClient({ endpoint: fake.url, timeoutMs: 1000, retries: 1, backoffBaseMs: 5, ...options });
    return client.fetchSnapshot();
  }

  afterEach(async () => {
    client?.close();
    await fake?.stop();
    fake = undefined;
    client = undefined;
  });

  describe('/all', () => {
    it('the published g8i answer: one primary NIC without addresses, no error, 2 requests', async () => {
      const snap = await snapshot({ meta: load('aliyun-meta-data-all-g8i-large.json'), token: 'optional' });
      assert.deepEqual(snap, {
        primaryMac: '00:16:3e:14:59:58',
        nics: [{ mac: '00:16:3e:14:59:58', eniId: 'eni-bp13i3ed90icgdgaxxxx', prefixLength: 24, gateway: '172.16.101.253', privateIpv4s: [], ipv6s: [] }],
        rejected: [],
        source: 'all',
      });
      // The primary lacks addresses but is never configured: no fallback requests for it.
      assert.equal(client!.requestCount, 2);
    });

    it('a 3-NIC host: every NIC, values normalised, ipv6s bracket form parsed', async () => {
      const snap = await snapshot({ meta: load('three-nic.json') });
      assert.equal(snap.source, 'all');
      assert.equal(snap.primaryMac, '00:16:3e:0a:00:0a');
      assert.deepEqual(snap.nics, EXPECTED_THREE_NIC);
      assert.deepEqual(snap.rejected, []);
    });

    it('a secondary NIC lacking primary-ip-address and private-ipv4s in /all: those items are fetched', async () => {
      const meta = load('three-nic.json');
      const allMeta = clone(meta);
      for (const mac of ['00:16:3e:0a:00:0a', '00:16:3e:0a:00:0b']) {
        delete macsOf(allMeta)[mac]!['primary-ip-address'];
        delete macsOf(allMeta)[mac]!['private-ipv4s'];
      }
      const snap = await snapshot({ meta, allMeta, token: 'off' });
      assert.deepEqual(snap.nics[1], EXPECTED_THREE_NIC[1]);
      assert.equal(snap.nics[0]!.primaryIp, undefined, 'the primary is not filled in');
      assert.deepEqual(
        fake!.requests.filter((r) => r.method === 'GET').map((r) => r.path).sort(),
        [
          '/latest/meta-data/all',
          '/latest/meta-data/network/interfaces/macs/00:16:3e:0a:00:0b/primary-ip-address',
          '/latest/meta-data/network/interfaces/macs/00:16:3e:0a:00:0b/private-ipv4s',
        ],
      );
    });

    it('a fallback item that 404s just stays missing', async () => {
      const meta = load('three-nic.json');
      delete macsOf(meta)['00:16:3e:0a:00:0b']!['primary-ip-address'];
      delete macsOf(meta)['00:16:3e:0a:00:0b']!['private-ipv4s'];
      const snap = await snapshot({ meta });
      const nic = snap.nics.find((n) => n.mac === '00:16:3e:0a:00:0b')!;
      assert.equal(nic.primaryIp, undefined);
      assert.deepEqual(nic.privateIpv4s, []);
      assert.equal(nic.gateway, '10.0.0.253');
    });

    it('a fallback request that fails (after retries) fails the snapshot', async () => {
      const meta = load('three-nic.json');
      const allMeta = clone(meta);
      delete macsOf(allMeta)['00:16:3e:0a:00:0b']!['private-ipv4s'];
      const snap = snapshot({ meta, allMeta, token: 'off', fault: { kind: '500', pathContains: '/private-ipv4s' } });
      await assert.rejects(snap, (error: unknown) => error instanceof MetadataError && error.kind === 'http' && error.status === 500);
      assert.deepEqual(
        fake!.requests.map((r) => `${r.path} ${r.status}`),
        [
          '/latest/meta-data/all 200',
          '/latest/meta-data/network/interfaces/macs/00:16:3e:0a:00:0b/private-ipv4s 500',
          '/latest/meta-data/network/interfaces/macs/00:16:3e:0a:00:0b/private-ipv4s 500',
        ],
      );
    });

    it('values may be already-parsed lists or strings', async () => {
      const meta = load('three-nic.json');
      macsOf(meta)['00:16:3e:0a:00:0b']!['private-ipv4s'] = '["10.0.0.11","10.0.0.21","10.0.0.21"]';
      macsOf(meta)['00:16:3e:0a:00:0c']!['ipv6s'] = ['2408:4005:3de:8500:4fa0:c9ee:dd3:c41b', '2408:4005:03de:8500:4fa0:c9ee:0dd3:c41c'];
      const snap = await snapshot({ meta });
      assert.deepEqual(snap.nics[1]!.privateIpv4s, ['10.0.0.11', '10.0.0.21']);
      assert.deepEqual(snap.nics[2]!.ipv6s, EXPECTED_THREE_NIC[2]!.ipv6s);
    });

    it('non-JSON /all → crawl', async () => {
      const snap = await snapshot({ meta: load('three-nic.json'), token: 'off', fault: { kind: 'garbage', count: 1 } }, { token: 'off' });
      assert.equal(snap.source, 'crawl');
      assert.deepEqual(snap.nics, EXPECTED_THREE_NIC);
    });

    it('/all that is JSON but not an object → crawl', async () => {
      const meta = load('three-nic.json');
      const snap = await snapshot({ meta, allMeta: ['not', 'an', 'object'] as unknown as Record<string, unknown> });
      assert.equal(snap.source, 'crawl');
      assert.equal(snap.nics.length, 3);
    });
  });

  describe('crawl', () => {
    it('the 3-NIC host gives the same NICs as /all', async () => {
      const snap = await snapshot({ meta: load('three-nic.json'), all: false });
      assert.equal(snap.source, 'crawl');
      assert.equal(snap.primaryMac, '00:16:3e:0a:00:0a');
      assert.deepEqual(snap.nics, EXPECTED_THREE_NIC);
    });

    it('ipv6s and ipv6-gateway 404 → no IPv6, not an error', async () => {
      await snapshot({ meta: load('three-nic.json'), all: false });
      assert.ok(fake!.requests.some((r) => r.path.endsWith('00:16:3e:0a:00:0a/ipv6s') && r.status === 404));
    });

    it('a NIC whose items all 404 yet (metadata lag) is listed with nothing known', async () => {
      const meta = load('three-nic.json');
      macsOf(meta)['00:16:3e:0a:00:99'] = {};
      const snap = await snapshot({ meta, all: false });
      assert.deepEqual(snap.nics[3], { mac: '00:16:3e:0a:00:99', privateIpv4s: [], ipv6s: [] });
    });

    it('garbage listing lines are rejected entries; the NICs go on', async () => {
      const meta = load('three-nic.json');
      macsOf(meta)['<html>oops</html>'] = {};
      macsOf(meta)['00:16:3E:0A:00:0B '] = {}; // the same NIC again, in another case
      const snap = await snapshot({ meta, all: false });
      assert.deepEqual(snap.nics.map((n) => n.mac), ['00:16:3e:0a:00:0a', '00:16:3e:0a:00:0c']);
      assert.deepEqual(snap.rejected, [
        { mac: '"<html>oops</html>"', reason: 'MAC key is not a MAC address: "<html>oops</html>"' },
        { mac: '00:16:3e:0a:00:0b', reason: 'MAC 00:16:3e:0a:00:0b is listed more than once' },
      ]);
    });

    it('an invalid primary MAC is a typed garbage error', async () => {
      const meta = load('three-nic.json');
      meta['mac'] = '00:16:3e:0a:00:0a\nrm -rf /';
      await assert.rejects(snapshot({ meta, all: false }), (error: unknown) => error instanceof MetadataError && error.kind === 'garbage' && /primary MAC/.test(error.message));
    });

    it('an invalid primary MAC in /all is a typed garbage error too', async () => {
      const meta = load('three-nic.json');
      meta['mac'] = 'not-a-mac';
      await assert.rejects(snapshot({ meta }), (error: unknown) => error instanceof MetadataError && error.kind === 'garbage');
    });

    it('a missing listing is an error, not an empty host', async () => {
      const meta = load('three-nic.json');
      delete (meta['network'] as Record<string, unknown>)['interfaces'];
      await assert.rejects(snapshot({ meta, all: false }), (error: unknown) => error instanceof MetadataError && error.status === 404);
    });
  });

  describe('hostile values', () => {
    const expectedRejected = [
      { mac: '"00:16:3e:zz:00:0f"', reason: 'MAC key is not a MAC address: "00:16:3e:zz:00:0f"' },
      { mac: '00:16:3e:0a:00:0b', reason: 'gateway is not a dotted-quad IPv4 address: "10.0.0.253\\nreboot"' },
      { mac: '00:16:3e:0a:00:0c', reason: 'private-ipv4s entry is not a dotted-quad IPv4 address: "$(reboot)"' },
      { mac: '00:16:3e:0a:00:0d', reason: 'netmask is not a contiguous netmask: "255.0.255.0"' },
      { mac: '00:16:3e:0a:00:0e', reason: 'ipv6s entry is not an IPv6 address: "2408:4005::1;ip link del eth0"' },
    ];

    for (const all of [true, false]) {
      it(`${all ? '/all' : 'crawl'}: each bad NIC rejected with the item and escaped value; the good ones go on`, async () => {
        const snap = await snapshot({ meta: load('hostile.json'), all });
        assert.deepEqual(snap.nics.map((n) => n.mac), ['00:16:3e:0a:00:0a', '00:16:3e:0a:00:10']);
        assert.deepEqual(snap.nics[1]!.privateIpv4s, ['10.0.0.16', '10.0.0.26']);
        assert.deepEqual(snap.rejected, expectedRejected);
        for (const r of snap.rejected) assert.ok(!/[\n\r]/.test(r.reason) && !/[\n\r]/.test(r.mac));
      });
    }
  });
});
