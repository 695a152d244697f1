// Property: whatever string reaches a metadata-facing value, either it is refused with a
// ValidationError, or the rendered files have exactly the shape of a benign rendering: no
// extra line, no new or missing key, no unbalanced quote, no control character.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import type { DesiredNic, DesiredState, DistroFamily, RenderedFile } from '../../src/model/types.js';
import {
  ValidationError,
  netmaskToPrefix,
  parseCidr,
  parseEniId,
  parseIPv4,
  parseIPv6,
  parseIfname,
  parseMac,
} from '../../src/model/validate.js';
import { rendererFor } from '../../src/render/index.js';
import { SCENARIOS } from './render-fixtures.js';

const NASTY = [
  '',
  ' ',
  '\n',
  '10.0.0.20\nDEFROUTE=yes',
  '10.0.0.20\n    post-up reboot',
  "10.0.0.20'; reboot; '",
  '10.0.0.20"',
  '$(reboot)',
  '`reboot`',
  '10.0.0.20 table 254',
  '10.0.0.20\u0000',
  '10.0.0.20\r',
  '１０.0.0.20',
  '10.0.0.020',
  '0x0a.0.0.20',
  '10.0.0.0/24\n- to: 0.0.0.0/0',
  'eth1:0',
  'eth1 eth0',
  '../../etc/passwd',
  'eni-xxxx\nIPADDR=1.2.3.4',
  '00:16:3e:12:e7:27\nHWADDR=x',
  '{{header}}',
  '# Managed by eni-agent',
  'ａｂｃ',
  '😀',
];

/** Arbitrary strings: any unicode (NUL included), known-nasty ones, and valid ones with a tail. */
function hostile(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(...NASTY),
    fc.tuple(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', maxLength: 8 })).map(([a, b]) => valid + a + b),
    fc.tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 4 }), fc.constantFrom(...NASTY)).map(([a, b]) => a + valid + b),
  );
}

const SAFE_TOKEN = /^[A-Za-z0-9_.:/-]+$/;

describe('property: metadata-facing validators refuse or return a plain token', () => {
  const validators: Array<[string, (v: unknown) => unknown, string]> = [
    ['parseIPv4', (v) => parseIPv4(v), '10.0.0.20'],
    ['parseIPv6', (v) => parseIPv6(v), '2408:4005::1'],
    ['parseMac', (v) => parseMac(v), '00:16:3e:12:e7:27'],
    ['parseIfname', (v) => parseIfname(v), 'eth1'],
    ['parseCidr', (v) => parseCidr(v), '10.0.0.0/24'],
    ['parseEniId', (v) => parseEniId(v), 'eni-bp1second100000000000'],
    ['netmaskToPrefix', (v) => netmaskToPrefix(v), '255.255.255.0'],
  ];
  for (const [name, validate, valid] of validators) {
    it(name, () => {
      fc.assert(
        fc.property(hostile(valid), (input) => {
          let out: unknown;
          try {
            out = validate(input);
          } catch (err) {
            assert.ok(err instanceof ValidationError, `${name} threw ${String(err)}`);
            return;
          }
          assert.ok(SAFE_TOKEN.test(String(out)), `${name} returned ${JSON.stringify(out)}`);
        }),
        { numRuns: 400 },
      );
    });
  }
});

type Field = 'ifname' | 'mac' | 'eniId' | 'primaryIp' | 'gateway' | 'subnet' | 'secondaryIp';
const FIELDS: Field[] = ['ifname', 'mac', 'eniId', 'primaryIp', 'gateway', 'subnet', 'secondaryIp'];
const VALID: Record<Field, string> = {
  ifname: 'eth1',
  mac: '00:16:3e:12:e7:27',
  eniId: 'eni-bp1second100000000000',
  primaryIp: '10.0.0.20',
  gateway: '10.0.0.253',
  subnet: '10.0.0.0/24',
  secondaryIp: '10.0.0.31',
};

function withField(family: DistroFamily, nicIndex: 0 | 1, field: Field, value: string): DesiredState {
  const state = SCENARIOS['three-nics-with-secondary-ips'](family);
  const nics = state.nics.map((nic, i): DesiredNic => {
    if (i !== nicIndex) return nic;
    if (field === 'secondaryIp') return { ...nic, secondaryIps: [value, ...nic.secondaryIps.slice(1)] };
    return { ...nic, [field]: value };
  });
  return { ...state, nics };
}

/** The shape of a file: per line, its kind and key, never its values. */
function shape(family: DistroFamily, file: RenderedFile): unknown {
  if (family === 'netplan') {
    const keys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(keys)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keys(x)]))
          : typeof v;
    // Interface names are keys under `ethernets`; a valid new name is not a new key.
    const doc = parseYaml(file.content) as { network: { ethernets: Record<string, unknown> } };
    const ethernets = Object.values(doc.network.ethernets).map(keys);
    return keys({ ...doc, network: { ...doc.network, ethernets } });
  }
  return file.content.split('\n').map((line) => {
    if (line.startsWith('#')) return '#';
    if (family === 'debian') return line.trim().split(/\s+/)[0] ?? '';
    // RHEL/SUSE: KEY= for ifcfg files, the number of columns for route/rule files.
    const m = /^([A-Z][A-Z0-9_]*)=/.exec(line);
    return m ? m[1]!.replace(/_\d+$/, '_K') : `cols:${line.split(/\s+/).length}`;
  });
}

function assertClean(family: DistroFamily, file: RenderedFile): void {
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(file.content, /[\u0000-\u0008\u000b-\u001f\u007f]/, 'control character in output');
  assert.ok(file.content.startsWith('# Managed by eni-agent\n'), 'header is not the first line');
  if (family === 'rhel' || family === 'suse') {
    for (const line of file.content.split('\n')) {
      if (line.startsWith('#')) continue;
      assert.equal((line.match(/'/g) ?? []).length % 2, 0, `unbalanced ' in ${line}`);
      assert.equal((line.match(/"/g) ?? []).length % 2, 0, `unbalanced " in ${line}`);
      assert.doesNotMatch(line, /[$`\\;|&<>(){}]/, `shell metacharacter in ${line}`);
    }
  }
}

describe('property: renderers refuse hostile values or keep the file shape', () => {
  for (const family of ['debian', 'rhel', 'suse', 'netplan'] as DistroFamily[]) {
    const renderer = rendererFor(family);
    const ctx = { root: '/' };
    const baseline = renderer.render(SCENARIOS['three-nics-with-secondary-ips'](family), ctx);
    it(`${family}`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...FIELDS).chain((f) => hostile(VALID[f]).map((v) => [f, v] as const)),
          fc.constantFrom<0 | 1>(0, 1),
          ([field, value], nicIndex) => {
            let files: RenderedFile[];
            try {
              files = renderer.render(withField(family, nicIndex, field, value), ctx);
            } catch (err) {
              assert.ok(err instanceof ValidationError, `${family} threw ${String(err)}`);
              return;
            }
            assert.equal(files.length, baseline.length, 'number of files changed');
            files.forEach((file, i) => {
              assertClean(family, file);
              assert.deepEqual(shape(family, file), shape(family, baseline[i]!), `shape of ${file.path} changed`);
            });
          },
        ),
        { numRuns: 500 },
      );
    });
  }
});
