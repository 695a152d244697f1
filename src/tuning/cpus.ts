// CPU lists (`/sys/devices/system/cpu/online`) and CPU masks in the kernel's sysfs format.
//
// Masks are bigints (bit N = CPU N), so any CPU count works. The kernel prints a mask as
// comma-separated 32-bit hex groups, most significant first, padded to the width of the
// possible CPUs (64 CPUs: `00000000,0000000f`). We write the shortest form (`f`, or
// `1,ffffffff` for CPUs 0-32): the kernel rejects a mask with more groups or bits than it has
// possible CPUs (EOVERFLOW — even `0,3` on a 2-CPU machine), and it rejects a `0x` prefix
// (EINVAL). Masks are therefore compared by value, never as text.

/** Parse a kernel CPU list (`0-3,8-11`, `0`, `0-255`, empty). Sorted, de-duplicated. */
export function parseCpuList(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const cpus = new Set<number>();
  for (const part of trimmed.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`bad CPU list ${JSON.stringify(trimmed)}: ${JSON.stringify(part)}`);
    const lo = Number.parseInt(m[1]!, 10);
    const hi = m[2] === undefined ? lo : Number.parseInt(m[2], 10);
    if (hi < lo || hi > 65535) throw new Error(`bad CPU range ${JSON.stringify(part)} in ${JSON.stringify(trimmed)}`);
    for (let cpu = lo; cpu <= hi; cpu += 1) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** The mask with exactly these CPUs set. */
export function maskOfCpus(cpus: readonly number[]): bigint {
  let mask = 0n;
  for (const cpu of cpus) mask |= 1n << BigInt(cpu);
  return mask;
}

/** The CPUs set in a mask, ascending. */
export function cpusOfMask(mask: bigint): number[] {
  const cpus: number[] = [];
  for (let cpu = 0; mask >> BigInt(cpu) !== 0n; cpu += 1) {
    if ((mask >> BigInt(cpu)) & 1n) cpus.push(cpu);
  }
  return cpus;
}

/**
 * Parse a mask as the kernel prints it or as an operator writes it: `f`, `0xff`,
 * `00000000,0000000f`, `1,ffffffff`. Each comma-separated group is 32 bits (so `f,f` is
 * 0xf0000000f, not 0xff). Throws on anything else.
 */
export function parseMask(text: string): bigint {
  let t = text.trim();
  if (/^0x/i.test(t)) t = t.slice(2);
  if (!/^[0-9a-f]{1,8}(,[0-9a-f]{1,8})*$/i.test(t)) throw new Error(`bad CPU mask ${JSON.stringify(text.trim())}`);
  let mask = 0n;
  for (const group of t.split(',')) mask = (mask << 32n) | BigInt(`0x${group}`);
  return mask;
}

/** Format a mask in the kernel's group format, shortest form: `0`, `f`, `1,ffffffff`. */
export function formatMask(mask: bigint): string {
  if (mask < 0n) throw new Error('negative CPU mask');
  const groups: string[] = [];
  let rest = mask;
  do {
    groups.unshift((rest & 0xffffffffn).toString(16));
    rest >>= 32n;
  } while (rest !== 0n);
  return groups.map((g, i) => (i === 0 ? g : g.padStart(8, '0'))).join(',');
}

/** Two masks (text in any accepted form) name the same CPUs. Unparseable text never matches. */
export function masksEqual(a: string, b: string): boolean {
  try {
    return parseMask(a) === parseMask(b);
  } catch {
    return false;
  }
}
