// Parsers for real `ip -N -json` output and the ip -batch line/failure mapping.
// Fixtures in test/fixtures/kernel/ were captured from a throwaway namespace by
// test/fixtures/kernel/capture.sh (see that script for exactly what was configured).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { batchLine, parseBatchFailures, type IpAction } from '../../src/kernel/batch.js';
import { parseAddresses, parseLinks, parseRoutes, parseRules } from '../../src/kernel/parse.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/kernel/', import.meta.url));
const fixture = (name: string): string => readFileSync(`${FIXTURES}${name}`, 'utf8');
/** One JSON document per batch command, in order. */
const documents = (name: string): string[] => fixture(name).split('\n').filter((l) => l.trim() !== '');

describe('core: ip -N -json parsers on real output', () => {
  const [links, addrs, routes, rules] = documents('observe-4.jsonl') as [string, string, string, string];

  it('the -4 observe batch prints exactly four documents (what observeKernel expects)', () => {
    assert.equal(documents('observe-4.jsonl').length, 4);
    assert.equal(documents('observe-all.jsonl').length, 4);
  });

  it('parseLinks: names, indexes, lower-case MACs, UP flag, numeric link types', () => {
    assert.deepEqual(parseLinks(links), [
      { ifname: 'lo', ifindex: 1, mac: '00:00:00:00:00:00', up: true, linkType: '[772]' },
      { ifname: 'v1', ifindex: 2, mac: '00:16:3e:00:00:99', up: true, linkType: 'ether' },
      // Set as 00:16:3E:00:00:02: the kernel prints lower case.
      { ifname: 'v0', ifindex: 3, mac: '00:16:3e:00:00:02', up: true, linkType: 'ether' },
      { ifname: 'w1', ifindex: 4, mac: 'ce:a0:6b:20:1e:ea', up: false, linkType: 'ether' },
      { ifname: 'w0', ifindex: 5, mac: '00:16:3e:00:00:03', up: false, linkType: 'ether' },
    ]);
  });

  it('parseLinks: upper-case MAC and named link_type (without -N) are normalised', () => {
    const text = '[{"ifindex":7,"ifname":"eth1","flags":["BROADCAST","UP"],"link_type":"ether","address":"00:16:3E:AA:BB:CC"}]';
    assert.deepEqual(parseLinks(text), [{ ifname: 'eth1', ifindex: 7, mac: '00:16:3e:aa:bb:cc', up: true, linkType: 'ether' }]);
  });

  it('parseAddresses: IPv4 only under -4; labels, dynamic (finite lifetime) and secondary flags', () => {
    assert.deepEqual(parseAddresses(addrs), [
      { ifname: 'lo', family: 4, local: '127.0.0.1', prefixLength: 8, label: 'lo', dynamic: false, secondary: false },
      { ifname: 'v1', family: 4, local: '10.0.0.40', prefixLength: 24, label: 'v1', dynamic: true, secondary: false },
      { ifname: 'v0', family: 4, local: '10.0.0.20', prefixLength: 24, label: 'v0', dynamic: false, secondary: false },
      { ifname: 'v0', family: 4, local: '10.0.0.21', prefixLength: 24, label: 'v0:0', dynamic: false, secondary: true },
    ]);
  });

  it('parseAddresses: both families; IPv6 normalised, no label; links without addresses add nothing', () => {
    const all = parseAddresses(documents('observe-all.jsonl')[1]!);
    const v6 = all.filter((a) => a.family === 6).map((a) => `${a.ifname} ${a.local}/${a.prefixLength} ${String(a.label)}`);
    // Added as 2408:4005:0000::0001.
    assert.deepEqual(v6, ['lo ::1/128 undefined', 'v1 fe80::216:3eff:fe00:99/64 undefined', 'v0 2408:4005::1/64 undefined', 'v0 fe80::216:3eff:fe00:2/64 undefined']);
    assert.equal(all.filter((a) => a.family === 4).length, 4);
    assert.equal(all.filter((a) => a.ifname === 'w0' || a.ifname === 'w1').length, 0);
  });

  it('parseRoutes: unicast only, every table, numeric table/protocol, boot protocol implied, host routes as /32', () => {
    assert.deepEqual(parseRoutes(routes, 4), [
      { family: 4, table: 1001, dst: 'default', gateway: '10.0.0.253', dev: 'v0', metric: 0, protocol: '73', scope: undefined, prefsrc: undefined },
      { family: 4, table: 1001, dst: '10.0.0.0/24', gateway: undefined, dev: 'v0', metric: 0, protocol: '73', scope: '253', prefsrc: '10.0.0.20' },
      // Added without proto: ip omits "protocol" for boot (3).
      { family: 4, table: 1002, dst: '192.168.5.0/24', gateway: '10.0.0.253', dev: 'v0', metric: 0, protocol: '3', scope: undefined, prefsrc: undefined },
      // proto static = 4; a host route has no prefix in ip's output.
      { family: 4, table: 1002, dst: '192.168.6.7/32', gateway: undefined, dev: 'v0', metric: 0, protocol: '4', scope: '253', prefsrc: undefined },
      // Main table: ip prints no "table" key.
      { family: 4, table: 254, dst: 'default', gateway: '10.0.0.253', dev: 'v0', metric: 1001, protocol: '73', scope: undefined, prefsrc: undefined },
      { family: 4, table: 254, dst: '10.0.0.0/24', gateway: undefined, dev: 'v0', metric: 0, protocol: '2', scope: '253', prefsrc: '10.0.0.20' },
      { family: 4, table: 254, dst: '10.0.0.0/24', gateway: undefined, dev: 'v1', metric: 0, protocol: '2', scope: '253', prefsrc: '10.0.0.40' },
      // local (type 2) and broadcast (type 3) entries of table 255 are skipped.
    ]);
  });

  it('parseRoutes: IPv6 routes (-6 batch) normalised, multicast and local skipped', () => {
    const v6 = parseRoutes(documents('observe-6-routes-rules.jsonl')[0]!, 6);
    assert.deepEqual(
      v6.map((r) => `${r.table} ${r.dst} ${r.gateway ?? '-'} ${r.dev ?? '-'} ${r.metric} ${r.protocol}`),
      ['1001 2408:4005::ffff/128 2408:4005::fe v0 1024 73', '254 2408:4005::/64 - v0 256 2', '254 fe80::/64 - v1 256 2', '254 fe80::/64 - v0 256 2'],
    );
  });

  it('parseRoutes: named table/type (without -N) are read too', () => {
    const text = '[{"type":"unicast","dst":"default","gateway":"10.0.0.253","dev":"eth1","table":"1001","protocol":"73"},{"type":"local","dst":"10.0.0.20","dev":"eth1","table":"local"}]';
    assert.deepEqual(parseRoutes(text, 4), [{ family: 4, table: 1001, dst: 'default', gateway: '10.0.0.253', dev: 'eth1', metric: 0, protocol: '73', scope: undefined, prefsrc: undefined }]);
  });

  it('parseRules: priorities, "all" as no source, host sources as /32, srclen honoured', () => {
    assert.deepEqual(parseRules(rules, 4), [
      { family: 4, priority: 0, src: undefined, table: 255 },
      { family: 4, priority: 100, src: undefined, table: 1002 },
      { family: 4, priority: 30001, src: '10.0.0.20/32', table: 1001 },
      { family: 4, priority: 30001, src: '10.0.0.21/32', table: 1001 },
      { family: 4, priority: 30002, src: '10.0.0.0/24', table: 1002 },
      { family: 4, priority: 32766, src: undefined, table: 254 },
      { family: 4, priority: 32767, src: undefined, table: 253 },
    ]);
  });

  it('parseRules: IPv6 source as /128', () => {
    const v6 = parseRules(documents('observe-6-routes-rules.jsonl')[1]!, 6);
    assert.deepEqual(v6[1], { family: 6, priority: 30001, src: '2408:4005::1/128', table: 1001 });
    assert.equal(v6.length, 3);
  });

  it('empty output is an empty list; a non-array is an error', () => {
    assert.deepEqual(parseLinks(''), []);
    assert.deepEqual(parseRules('  \n', 4), []);
    assert.deepEqual(parseRoutes('[]', 4), []);
    assert.throws(() => parseAddresses('{"ifname":"eth0"}'), /expected an array/);
    assert.throws(() => parseLinks('[{"ifname":'), SyntaxError);
  });
});

describe('core: ip -batch lines and failures', () => {
  const cases: Array<[IpAction, string]> = [
    [{ kind: 'add-address', ifname: 'eth2', address: '10.0.0.31', prefixLength: 24, label: 'eth2:0' }, 'addr add 10.0.0.31/24 dev eth2 label eth2:0'],
    [{ kind: 'add-address', ifname: 'eth2', address: '10.0.0.31', prefixLength: 24 }, 'addr add 10.0.0.31/24 dev eth2'],
    [{ kind: 'del-address', ifname: 'eth2', address: '10.0.0.33', prefixLength: 24 }, 'addr del 10.0.0.33/24 dev eth2'],
    [
      { kind: 'add-route', ifname: 'eth1', route: { family: 4, table: 254, dst: 'default', gateway: '10.0.0.253', dev: 'eth1', metric: 1001, protocol: '73' } },
      'route add default via 10.0.0.253 dev eth1 table 254 metric 1001 proto 73',
    ],
    [
      { kind: 'add-route', ifname: 'eth1', route: { family: 4, table: 1001, dst: '10.0.0.0/24', dev: 'eth1', metric: 0, protocol: '73', scope: 'link', prefsrc: '10.0.0.20' } },
      'route add 10.0.0.0/24 dev eth1 table 1001 proto 73 scope link src 10.0.0.20',
    ],
    [
      { kind: 'del-route', route: { family: 4, table: 1002, dst: 'default', gateway: '10.0.0.253', dev: 'eth2', metric: 0, protocol: '73' } },
      'route del default via 10.0.0.253 dev eth2 table 1002 proto 73',
    ],
    [{ kind: 'add-rule', ifname: 'eth1', rule: { family: 4, priority: 30001, src: '10.0.0.20/32', table: 1001 } }, 'rule add from 10.0.0.20/32 lookup 1001 priority 30001'],
    [{ kind: 'del-rule', rule: { family: 4, priority: 30002, table: 1002 } }, 'rule del from all lookup 1002 priority 30002'],
  ];
  for (const [action, line] of cases) {
    it(line, () => assert.equal(batchLine(action), line));
  }

  it('maps real ip -force -batch stderr to failing line numbers with their messages', () => {
    // The capture ran 5 lines; 2 (duplicate route) and 4 (missing rule) failed, exit status 1.
    assert.equal(fixture('batch-failures.rc').trim(), '1');
    const failures = parseBatchFailures(fixture('batch-failures.stderr'));
    assert.deepEqual([...failures], [
      [2, 'RTNETLINK answers: File exists'],
      [4, 'RTNETLINK answers: No such file or directory'],
    ]);
  });

  it('joins multi-line messages, defaults an empty one, ignores trailing noise', () => {
    const stderr = 'Error: inet prefix is expected rather than "x".\nsecond line\nCommand failed -:1\nCommand failed -:3\nleftover\n';
    assert.deepEqual([...parseBatchFailures(stderr)], [
      [1, 'Error: inet prefix is expected rather than "x". second line'],
      [3, 'failed'],
    ]);
    assert.equal(parseBatchFailures('').size, 0);
  });
});
