// Pure parsing of metadata values: listings, the two list formats, per-NIC validation, backoff.

import assert from 'node:assert/strict';
import { buildNic, parseIpv4List, parseIpv6List, parseListValue, parseListing } from '../../src/metadata/parse.js';
import { backoffDelay, maxTotalBackoff, withRetries } from '../../src/metadata/retry.js';
import { MetadataError } from '../../src/metadata/errors.js';
import { ValidationError } from '../../src/model/validate.js';

const MAC = '00:16:3e:0a:00:0b';

describe('metadata parsing', () => {
  it('listings: one entry per line, CRLF and blank lines tolerated', () => {
    assert.deepEqual(parseListing('00:16:3e:12:e7:27/\r\n00:16:3e:12:e7:28/\n\n'), ['00:16:3e:12:e7:27/', '00:16:3e:12:e7:28/']);
    assert.deepEqual(parseListing(''), []);
  });

  it('private-ipv4s as a JSON array, de-duplicated, in order', () => {
    assert.deepEqual(parseIpv4List('["10.0.0.20","10.0.0.30","10.0.0.20"]', 'private-ipv4s'), ['10.0.0.20', '10.0.0.30']);
    assert.deepEqual(parseIpv4List(['10.0.0.20'], 'private-ipv4s'), ['10.0.0.20']);
    assert.deepEqual(parseIpv4List('[]', 'private-ipv4s'), []);
  });

  it('ipv6s in the non-JSON bracket form, normalised', () => {
    assert.deepEqual(parseIpv6List('[2408:4005::1,2408:4005::2]', 'ipv6s'), ['2408:4005::1', '2408:4005::2']);
    assert.deepEqual(parseIpv6List('[2408:4005:0:0:0:0:0:1, 2408:4005::1]', 'ipv6s'), ['2408:4005::1']);
    assert.deepEqual(parseIpv6List('2408:4005::1', 'ipv6s'), ['2408:4005::1']);
    assert.deepEqual(parseIpv6List('[]', 'ipv6s'), []);
    assert.deepEqual(parseIpv6List('["2408:4005::1"]', 'ipv6s'), ['2408:4005::1']);
  });

  it('malformed lists are validation errors', () => {
    assert.throws(() => parseListValue('["10.0.0.1"', 'private-ipv4s'), ValidationError);
    assert.throws(() => parseListValue('{"a":1}', 'private-ipv4s'), /not a list/);
    assert.throws(() => parseListValue('[[10.0.0.1]]', 'private-ipv4s'), /not a list/);
    assert.throws(() => parseListValue(42, 'private-ipv4s'), /not a list/);
    assert.throws(() => parseIpv4List('["10.0.0.1", 7]', 'private-ipv4s'), /private-ipv4s entry is not a string: "7"/);
  });

  it('buildNic: every item validated and normalised; primary IP first', () => {
    const nic = buildNic(MAC, {
      'network-interface-id': 'eni-bp1second000000002',
      'primary-ip-address': '10.0.0.11',
      netmask: '255.255.240.0',
      gateway: ' 10.0.0.253\n',
      'vswitch-cidr-block': '10.0.5.7/20',
      'private-ipv4s': '["10.0.0.21","10.0.0.11"]',
      ipv6s: '[2408:4005:03de::1]',
      'ipv6-gateway': '2408:4005:3DE::FFFD',
    });
    assert.deepEqual(nic, {
      mac: MAC,
      eniId: 'eni-bp1second000000002',
      primaryIp: '10.0.0.11',
      prefixLength: 20,
      gateway: '10.0.0.253',
      vswitchCidr: '10.0.0.0/20',
      privateIpv4s: ['10.0.0.11', '10.0.0.21'],
      ipv6s: ['2408:4005:3de::1'],
      ipv6Gateway: '2408:4005:3de::fffd',
    });
  });

  it('buildNic: missing and empty items stay undefined; the primary IP alone when the list lags', () => {
    assert.deepEqual(buildNic(MAC, {}), { mac: MAC, privateIpv4s: [], ipv6s: [] });
    assert.deepEqual(buildNic(MAC, { gateway: '', 'primary-ip-address': '10.0.0.11' }), { mac: MAC, primaryIp: '10.0.0.11', privateIpv4s: ['10.0.0.11'], ipv6s: [] });
  });

  const hostile: Array<[string, Record<string, unknown>, RegExp]> = [
    ['newline in gateway', { gateway: '10.0.0.253\nreboot' }, /^gateway is not a dotted-quad IPv4 address: "10\.0\.0\.253\\nreboot"$/],
    ['command in private-ipv4s', { 'private-ipv4s': '["$(reboot)"]' }, /^private-ipv4s entry .*"\$\(reboot\)"$/],
    ['backticks in bracket list', { 'private-ipv4s': '[10.0.0.1,`id`]' }, /private-ipv4s entry .*"`id`"/],
    ['non-contiguous netmask', { netmask: '255.0.255.0' }, /^netmask is not a contiguous netmask: "255\.0\.255\.0"$/],
    ['zero netmask', { netmask: '0.0.0.0' }, /^netmask has prefix length 0/],
    ['octal-looking IP', { 'primary-ip-address': '010.0.0.1' }, /^primary-ip-address is not a dotted-quad/],
    ['IPv6 vswitch', { 'vswitch-cidr-block': '2408:4005::/64' }, /^vswitch-cidr-block is not an IPv4 CIDR/],
    ['ENI id with a slash', { 'network-interface-id': 'eni-../../etc' }, /^network-interface-id is not an ENI id/],
    ['number where text belongs', { gateway: 10 }, /^gateway is not a string: "10"$/],
    ['IPv6 gateway with a zone', { 'ipv6-gateway': 'fe80::1%eth0' }, /^ipv6-gateway is not an IPv6 address/],
  ];
  for (const [name, raw, reason] of hostile) {
    it(`buildNic rejects ${name}`, () => {
      assert.throws(() => buildNic(MAC, raw), (error: unknown) => error instanceof ValidationError && reason.test(error.message));
    });
  }
});

describe('metadata backoff', () => {
  const policy = { retries: 4, baseMs: 100, maxMs: 500, random: () => 0.999 };

  it('full jitter below an exponential ceiling, capped', () => {
    assert.deepEqual([0, 1, 2, 3, 4].map((n) => backoffDelay(policy, n)), [99, 199, 399, 499, 499]);
    assert.equal(backoffDelay({ ...policy, random: () => 0 }, 3), 0);
    assert.equal(maxTotalBackoff(policy), 100 + 200 + 400 + 500);
  });

  it('retries retryable errors only, at most `retries` times', async () => {
    let calls = 0;
    const fast = { ...policy, baseMs: 1, maxMs: 1 };
    await assert.rejects(
      withRetries(fast, async () => {
        calls++;
        throw new MetadataError('http', 'boom', { status: 503 });
      }),
      /boom/,
    );
    assert.equal(calls, 5);
    calls = 0;
    await assert.rejects(
      withRetries(fast, async () => {
        calls++;
        throw new MetadataError('too-large', 'big');
      }),
      /big/,
    );
    assert.equal(calls, 1);
  });
});
