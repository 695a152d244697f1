import { strict as assert } from 'node:assert';
import { formatMask, masksEqual, maskOfCpus, parseCpuList, parseMask, cpusOfMask } from '../../src/tuning/cpus.js';
import { decideRpsMask, rfsSizes, roundUpPow2, seedMask } from '../../src/tuning/rps.js';

// Expected masks are computed here independently of the code under test: from a bit string,
// four bits to a hex digit, eight digits to a group, groups joined with commas, leading zeros
// of the first group and leading zero groups dropped.
function expectedMask(cpus: readonly number[]): string {
  if (cpus.length === 0) return '0';
  const width = Math.max(...cpus) + 1;
  const digits: string[] = [];
  for (let nibble = 0; nibble * 4 < width; nibble += 1) {
    let v = 0;
    for (let b = 0; b < 4; b += 1) if (cpus.includes(nibble * 4 + b)) v += 2 ** b;
    digits.unshift('0123456789abcdef'[v]!);
  }
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 8) groups.unshift(digits.slice(Math.max(0, end - 8), end).join(''));
  groups[0] = groups[0]!.replace(/^0+(?=.)/, '');
  while (groups.length > 1 && /^0+$/.test(groups[0]!)) {
    groups.shift();
    groups[0] = groups[0]!.replace(/^0+(?=.)/, '');
  }
  return groups.join(',');
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

// Literal tables for `all` (every CPU 0..n-1) and the guide's `seed` script.
const ALL: Record<number, string> = {
  1: '1',
  2: '3',
  7: '7f',
  8: 'ff',
  16: 'ffff',
  32: 'ffffffff',
  33: '1,ffffffff',
  64: 'ffffffff,ffffffff',
  65: '1,ffffffff,ffffffff',
  128: 'ffffffff,ffffffff,ffffffff,ffffffff',
  256: Array(8).fill('ffffffff').join(','),
};
// Guide: quotient = n/8 clamped to 1..2, mask 'f'×quotient; we intersect with the online CPUs.
const SEED: Record<number, string> = { 1: '1', 2: '3', 7: 'f', 8: 'f', 16: 'ff', 32: 'ff', 33: 'ff', 64: 'ff', 65: 'ff', 128: 'ff', 256: 'ff' };

describe('tuning: CPU lists', () => {
  it('parses kernel CPU lists', () => {
    assert.deepEqual(parseCpuList('0\n'), [0]);
    assert.deepEqual(parseCpuList('0-3,8-11'), [0, 1, 2, 3, 8, 9, 10, 11]);
    assert.deepEqual(parseCpuList('0-255').length, 256);
    assert.deepEqual(parseCpuList(''), []);
    assert.deepEqual(parseCpuList('2,0-1'), [0, 1, 2]);
    assert.throws(() => parseCpuList('0-'), /bad CPU/);
    assert.throws(() => parseCpuList('3-1'), /bad CPU range/);
  });
});

describe('tuning: mask format', () => {
  it('formats in the kernel group format, shortest form', () => {
    assert.equal(formatMask(0n), '0');
    assert.equal(formatMask(0xfn), 'f');
    assert.equal(formatMask(0x1ffffffffn), '1,ffffffff');
    assert.equal(formatMask(1n << 64n), '1,00000000,00000000');
  });

  it('parses kernel, padded and 0x forms; groups are 32 bits each', () => {
    assert.equal(parseMask('00000000,0000000f'), 0xfn);
    assert.equal(parseMask('0xff'), 0xffn);
    assert.equal(parseMask('f,f'), 0xf0000000fn);
    assert.equal(parseMask('1,ffffffff\n'), 0x1ffffffffn);
    assert.throws(() => parseMask('xyz'));
    assert.throws(() => parseMask('123456789'), 'a group has at most 8 digits');
  });

  it('compares masks semantically', () => {
    assert.ok(masksEqual('00000000,0000000f', 'f'));
    assert.ok(masksEqual('0', '00000000,00000000,00000000'));
    assert.ok(!masksEqual('f,f', 'ff'));
    assert.ok(!masksEqual('garbage', 'f'));
  });

  it('round-trips CPU sets', () => {
    assert.deepEqual(cpusOfMask(maskOfCpus([0, 3, 32, 200])), [0, 3, 32, 200]);
    assert.equal(formatMask(maskOfCpus([0, 1, 2, 3, 8, 9, 10, 11])), 'f0f');
  });
});

describe('tuning: RPS masks per mode', () => {
  for (const n of [1, 2, 7, 8, 16, 32, 33, 64, 65, 128, 256]) {
    const cpus = range(n);
    it(`${n} CPUs`, () => {
      assert.equal(expectedMask(cpus), ALL[n], 'the independent helper agrees with the literal table');
      const all = decideRpsMask('all', cpus, 1);
      assert.ok(all.ok);
      assert.equal(all.text, ALL[n]);
      const seed = decideRpsMask('seed', cpus, 1);
      assert.ok(seed.ok);
      assert.equal(seed.text, SEED[n]);
      const off = decideRpsMask('off', cpus, 1);
      assert.ok(off.ok);
      assert.equal(off.text, '0');
      // auto: off once there are as many RX queues as CPUs, every CPU below that
      const autoFew = decideRpsMask('auto', cpus, n - 1);
      const autoMany = decideRpsMask('auto', cpus, n);
      assert.ok(autoFew.ok && autoMany.ok);
      assert.equal(autoFew.text, n === 1 ? '1' : ALL[n]);
      assert.equal(autoMany.text, '0');
      // an explicit mask naming CPU 0 and CPU n-1 (+ a CPU that does not exist)
      const explicit = decideRpsMask(expectedMask([0, n - 1, n + 3]), cpus, 1);
      assert.ok(explicit.ok);
      assert.equal(explicit.text, expectedMask([...new Set([0, n - 1])]));
    });
  }

  it('sparse online list 0-3,8-11 in every mode', () => {
    const cpus = parseCpuList('0-3,8-11');
    const text = (mode: string, queues = 1): string => {
      const d = decideRpsMask(mode, cpus, queues);
      assert.ok(d.ok, mode);
      return d.text;
    };
    assert.equal(text('all'), 'f0f');
    assert.equal(text('seed'), 'f', '8 online CPUs: quotient 1 → f, CPUs 0-3 all online');
    assert.equal(text('off'), '0');
    assert.equal(text('auto', 4), 'f0f');
    assert.equal(text('auto', 8), '0');
    assert.equal(text('ff'), 'f', 'offline CPUs 4-7 dropped');
    assert.equal(text('0x00000f00'), 'f00');
    assert.equal(text('00000000,00000101'), '101');
  });

  it('seed drops offline CPUs from the guide mask', () => {
    // 16 online CPUs but 0-3 offline: quotient 2 → ff → only CPUs 4-7 remain
    const cpus = [...range(20)].filter((c) => c >= 4);
    assert.equal(formatMask(seedMask(cpus)), 'f0');
  });

  it('rejects an explicit mask without an online CPU, and garbage', () => {
    const d = decideRpsMask('f0', [0, 1, 2, 3], 1);
    assert.equal(d.ok, false);
    assert.equal(decideRpsMask('zz', [0], 1).ok, false);
    const zero = decideRpsMask('0', [0, 1], 1);
    assert.ok(zero.ok);
    assert.equal(zero.text, '0');
  });
});

describe('tuning: RFS sizes', () => {
  it('rounds up to a power of two as the kernel does', () => {
    assert.equal(roundUpPow2(0), 0);
    assert.equal(roundUpPow2(1), 1);
    assert.equal(roundUpPow2(100), 128);
    assert.equal(roundUpPow2(4096), 4096);
    assert.deepEqual(rfsSizes(32768, 4), { global: 32768, perQueue: 8192 });
    assert.deepEqual(rfsSizes(100, 3), { global: 128, perQueue: 64 }); // 100/3 = 33 → 64
    assert.deepEqual(rfsSizes(32768, 0), { global: 32768, perQueue: 32768 });
  });
});
