// Which distro family's files to write, from `<root>/etc/os-release` (ID, ID_LIKE, VERSION_ID).
// `--distro rhel|debian|suse|netplan` overrides detection; `auto` (the default) detects.

import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { DistroFamily } from '../model/types.js';
import { type OsRelease, parseOsRelease } from './os-release.js';
import { exists } from '../files/atomic.js';

export const DISTRO_FAMILIES: readonly DistroFamily[] = ['rhel', 'debian', 'suse', 'netplan'];

export class DistroDetectionError extends Error {
  /** The ID found in os-release, when the file could be read. */
  readonly osId: string | undefined;
  /** The file that was read (or tried). */
  readonly file: string;
  constructor(message: string, file: string, osId?: string) {
    super(`${message}; pass --distro ${DISTRO_FAMILIES.join('|')} to choose the family`);
    this.name = 'DistroDetectionError';
    this.file = file;
    this.osId = osId;
  }
}

export interface DistroDetection {
  family: DistroFamily;
  osRelease: OsRelease;
  /** The os-release file read, under the root. */
  file: string;
  /** One line explaining the choice, for logs and `status`. */
  reason: string;
}

const RHEL_IDS = new Set(['centos', 'rhel', 'alinux', 'anolis', 'rocky', 'almalinux', 'fedora', 'ol', 'aliyun']);
const RHEL_LIKE = new Set(['rhel', 'fedora', 'centos']);
const SUSE_IDS = new Set(['sles', 'sled', 'opensuse-leap', 'opensuse-tumbleweed', 'opensuse', 'sles_sap']);
const SUSE_LIKE = new Set(['suse', 'opensuse']);

/** Is VERSION_ID (`major.minor`) at least the given version? undefined when unparseable. */
function versionAtLeast(versionId: string | undefined, major: number, minor: number): boolean | undefined {
  const m = /^(\d+)(?:\.(\d+))?/.exec(versionId ?? '');
  if (!m) return undefined;
  const [maj, min] = [Number(m[1]), Number(m[2] ?? '0')];
  return maj > major || (maj === major && min >= minor);
}

export interface DetectFacts {
  /** `<root>/etc/netplan` exists. */
  hasNetplanDir: boolean;
}

/** Pure mapping from os-release (and a few facts about the root) to a family, with the reason. */
export function familyFromOsRelease(
  os: OsRelease,
  facts: DetectFacts,
): { family: DistroFamily; reason: string } | undefined {
  const { id, idLike } = os;
  if (RHEL_IDS.has(id)) return { family: 'rhel', reason: `ID=${id}` };
  if (SUSE_IDS.has(id) || id.startsWith('opensuse')) return { family: 'suse', reason: `ID=${id}` };
  if (id === 'debian') return { family: 'debian', reason: `ID=${id}` };
  if (id === 'ubuntu') {
    const modern = versionAtLeast(os.versionId, 18, 4);
    if (modern === true && facts.hasNetplanDir) {
      return { family: 'netplan', reason: `ID=ubuntu VERSION_ID=${os.versionId} with /etc/netplan` };
    }
    const why = modern !== true ? `VERSION_ID=${os.versionId ?? '(none)'}` : 'no /etc/netplan';
    return { family: 'debian', reason: `ID=ubuntu, ${why}: ifupdown` };
  }
  for (const like of idLike) {
    if (RHEL_LIKE.has(like)) return { family: 'rhel', reason: `ID=${id} ID_LIKE has ${like}` };
    if (SUSE_LIKE.has(like)) return { family: 'suse', reason: `ID=${id} ID_LIKE has ${like}` };
    if (like === 'debian' || like === 'ubuntu') {
      return facts.hasNetplanDir
        ? { family: 'netplan', reason: `ID=${id} ID_LIKE has ${like}, with /etc/netplan` }
        : { family: 'debian', reason: `ID=${id} ID_LIKE has ${like}` };
    }
  }
  return undefined;
}


/**
 * Detect the family of the tree at `root`. Reads `<root>/etc/os-release`, falling back to
 * `<root>/usr/lib/os-release` as os-release(5) says. Throws DistroDetectionError when neither
 * can be read or the distro is not one the agent knows.
 */
export async function detectDistro(root: string): Promise<DistroDetection> {
  const base = root === '' ? '/' : root;
  const candidates = ['/etc/os-release', '/usr/lib/os-release'].map((p) => posix.join(base, p));
  let file: string | undefined;
  let text: string | undefined;
  for (const candidate of candidates) {
    try {
      text = await readFile(candidate, 'utf8');
      file = candidate;
      break;
    } catch {
      // try the next one
    }
  }
  if (text === undefined || file === undefined) {
    throw new DistroDetectionError(`cannot read ${candidates.join(' or ')}`, candidates[0]!);
  }
  const osRelease = parseOsRelease(text);
  const hasNetplanDir = await exists(posix.join(base, '/etc/netplan'));
  const found = familyFromOsRelease(osRelease, { hasNetplanDir });
  if (!found) {
    const like = osRelease.idLike.length > 0 ? ` (ID_LIKE=${osRelease.idLike.join(' ')})` : '';
    throw new DistroDetectionError(
      `unsupported distribution ID=${JSON.stringify(osRelease.id)}${like} in ${file}`,
      file,
      osRelease.id,
    );
  }
  return { family: found.family, osRelease, file, reason: found.reason };
}

/** `--distro` value → a family: `auto` (or undefined) detects, anything else must be a family. */
export async function resolveFamily(option: string | undefined, root: string): Promise<DistroFamily> {
  if (option === undefined || option === 'auto') return (await detectDistro(root)).family;
  if ((DISTRO_FAMILIES as readonly string[]).includes(option)) return option as DistroFamily;
  throw new DistroDetectionError(`unknown --distro value ${JSON.stringify(option)}`, '(command line)');
}
