// Validators for values from metadata, the kernel and config: strict forms in, normalised forms out.
import assert from 'node:assert/strict';
import {
  ValidationError,
  ethIndex,
  netmaskToPrefix,
  parseCidr,
  parseIPv4,
  parseIPv6,
  parseIfname,
  parseMac,
} from '../../src/model/validate.js';

const rejects = (fn: () => unknown): void => {
  assert.throws(fn, ValidationError);
};

describe('core: parseMac', () => {
  it('lower-cases and trims a colon-separated MAC', () => {
    assert.equal(parseMac('00:16:3E:0A:Bc:01'), '00:16:3e:0a:bc:01');
    assert.equal(parseMac(' 00:16:3e:12:e7:27\n'), '00:16:3e:12:e7:27');
  });

  for (const bad of ['00-16-3e-00-00-01', '0016.3e00.0001', '00:16:3e:00:00', '00:16:3e:00:00:01:02', '00:16:3e:00:00:0g', '0:16:3e:0:0:1', '', '00:16:3e:00:00:01/']) {
    it(`rejects ${JSON.stringify(bad)}`, () => rejects(() => parseMac(bad)));
  }

  it('rejects non-strings and names the field in the message', () => {
    rejects(() => parseMac(42));
    rejects(() => parseMac(null));
    assert.throws(() => parseMac('nope', 'mac of eth1'), /^ValidationError: mac of eth1 is not a MAC address: "nope"$/);
  });
});

describe('core: parseIPv4 strictness', () => {
  for (const [input, out] of [
    ['10.0.0.1', '10.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['100.100.100.200', '100.100.100.200'],
    [' 10.0.0.253\n', '10.0.0.253'],
    ['192.168.0.199', '192.168.0.199'],
  ]) {
    it(`accepts ${JSON.stringify(input)} → ${out}`, () => assert.equal(parseIPv4(input), out));
  }

  // Forms inet_aton or ipaddr.js would accept but that mean something else (octal, hex, short).
  for (const bad of [
    '010.0.0.1',
    '10.0.0.01',
    '10.00.0.1',
    '0x0a.0.0.1',
    '0xa000001',
    '167772161',
    '10.1',
    '10.0.1',
    '256.0.0.1',
    '10.0.0.256',
    '1.2.3.4.5',
    '10.0.0.',
    '10..0.1',
    '10.0.0.1/32',
    '10.0.0.1 10.0.0.2',
    '-1.0.0.0',
    '+1.0.0.0',
    '::ffff:10.0.0.1',
    '',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => rejects(() => parseIPv4(bad)));
  }

  it('rejects non-strings', () => {
    rejects(() => parseIPv4(167772161));
    rejects(() => parseIPv4(['10.0.0.1']));
  });
});

describe('core: parseIPv6 normalisation (RFC 5952)', () => {
  for (const [input, out] of [
    ['2408:4005:0000::0001', '2408:4005::1'],
    ['2408:4005:0:0:0:0:0:1', '2408:4005::1'],
    ['FE80::1', 'fe80::1'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    // The longest run of zeros is compressed; on a tie the first one.
    ['2001:db8:0:0:1:0:0:0', '2001:db8:0:0:1::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    // A single zero group is not compressed.
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::', '::'],
    ['::1', '::1'],
    [' 2408:4005::fe ', '2408:4005::fe'],
  ]) {
    it(`${input} → ${out}`, () => assert.equal(parseIPv6(input), out));
  }

  for (const bad of ['10.0.0.1', '1::2::3', 'gggg::1', '[::1]', 'fe80::1%eth0', '2408:4005::1/64', '12345::1', '1:2:3:4:5:6:7:8:9', '', ':']) {
    it(`rejects ${JSON.stringify(bad)}`, () => rejects(() => parseIPv6(bad)));
  }
});

describe('core: netmaskToPrefix contiguity', () => {
  for (const [mask, len] of [
    ['255.255.255.0', 24],
    ['255.255.255.255', 32],
    ['255.255.255.254', 31],
    ['255.255.240.0', 20],
    ['255.255.192.0', 18],
    ['255.0.0.0', 8],
    ['128.0.0.0', 1],
  ] as const) {
    it(`${mask} → /${len}`, () => assert.equal(netmaskToPrefix(mask), len));
  }

  for (const bad of ['255.0.255.0', '255.255.255.1', '0.255.255.255', '255.255.253.0', '0.0.0.0', '255.255.255.00', '24', '/24', 'ffffff00']) {
    it(`rejects ${JSON.stringify(bad)}`, () => rejects(() => netmaskToPrefix(bad)));
  }
});

describe('core: parseCidr', () => {
  for (const [input, out] of [
    ['10.0.0.31/24', '10.0.0.0/24'],
    ['10.0.0.0/24', '10.0.0.0/24'],
    ['172.16.5.9/12', '172.16.0.0/12'],
    ['10.0.0.20/32', '10.0.0.20/32'],
    ['10.1.2.3/0', '0.0.0.0/0'],
    [' 192.168.7.200/25 ', '192.168.7.128/25'],
    ['2408:4005:0000::0001/64', '2408:4005::/64'],
    ['2408:4005::ffff/128', '2408:4005::ffff/128'],
    ['2001:DB8:1:2::/48', '2001:db8:1::/48'],
  ]) {
    it(`${input} → ${out}`, () => assert.equal(parseCidr(input), out));
  }

  for (const bad of ['10.0.0.0', '10.0.0.0/', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/2a', '010.0.0.0/8', '10.0.0/24', '2408::/129', 'abc/24', '10.0.0.0/24/1', '10.0.0.0/1000']) {
    it(`rejects ${JSON.stringify(bad)}`, () => rejects(() => parseCidr(bad)));
  }

  it('rejects non-strings', () => rejects(() => parseCidr(24)));
});

describe('core: parseIfname and ethIndex', () => {
  for (const ok of ['eth0', 'eth15', 'ens5f0', 'enp0s3.100', 'a_b-c', 'x'.repeat(15)]) {
    it(`accepts ${ok}`, () => assert.equal(parseIfname(ok), ok));
  }
  for (const bad of ['', 'x'.repeat(16), 'eth0:1', 'eth 0', 'eth/0', '.', '..', 'eth0\n', '"eth0"', "eth0'", 'eth0;rm']) {
    it(`rejects ${JSON.stringify(bad)}`, () => rejects(() => parseIfname(bad)));
  }
  it('rejects non-strings', () => rejects(() => parseIfname(0)));

  it('ethIndex reads N only from ethN', () => {
    assert.equal(ethIndex('eth0'), 0);
    assert.equal(ethIndex('eth1'), 1);
    assert.equal(ethIndex('eth12'), 12);
    assert.equal(ethIndex('eth'), undefined);
    assert.equal(ethIndex('eth1a'), undefined);
    assert.equal(ethIndex('veth1'), undefined);
    assert.equal(ethIndex('ens5'), undefined);
    assert.equal(ethIndex('eth1:0'), undefined);
  });
});
