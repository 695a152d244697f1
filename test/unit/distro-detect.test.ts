import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DistroDetectionError,
  detectDistro,
  familyFromOsRelease,
  resolveFamily,
} from '../../src/distro/detect.js';
import { parseOsRelease } from '../../src/distro/os-release.js';
import type { DistroFamily } from '../../src/model/types.js';
import { packageRoot } from '../../src/render/templates.js';

// Real os-release files (copied from shared/fixtures/os-release; SOURCES.md says where from).
const FIXTURES = join(packageRoot(), 'test/fixtures/os-release');

interface Case {
  file: string;
  netplanDir: boolean;
  family: DistroFamily;
  id: string;
}

const CASES: Case[] = [
  { file: 'centos-7', netplanDir: false, family: 'rhel', id: 'centos' },
  { file: 'centos-stream-9', netplanDir: false, family: 'rhel', id: 'centos' },
  { file: 'alinux-2', netplanDir: false, family: 'rhel', id: 'alinux' },
  { file: 'alinux-3', netplanDir: false, family: 'rhel', id: 'alinux' },
  { file: 'anolis-8.8', netplanDir: false, family: 'rhel', id: 'anolis' },
  { file: 'rocky-9.5', netplanDir: false, family: 'rhel', id: 'rocky' },
  { file: 'almalinux-9.4', netplanDir: false, family: 'rhel', id: 'almalinux' },
  { file: 'rhel-9.6', netplanDir: false, family: 'rhel', id: 'rhel' },
  { file: 'oracle-linux-9.5', netplanDir: false, family: 'rhel', id: 'ol' },
  { file: 'fedora-42', netplanDir: false, family: 'rhel', id: 'fedora' },
  { file: 'debian-11', netplanDir: false, family: 'debian', id: 'debian' },
  { file: 'debian-12', netplanDir: false, family: 'debian', id: 'debian' },
  { file: 'ubuntu-16.04', netplanDir: false, family: 'debian', id: 'ubuntu' },
  // Even with /etc/netplan present, 16.04 predates netplan-by-default: ifupdown.
  { file: 'ubuntu-16.04', netplanDir: true, family: 'debian', id: 'ubuntu' },
  { file: 'ubuntu-18.04', netplanDir: true, family: 'netplan', id: 'ubuntu' },
  { file: 'ubuntu-22.04', netplanDir: true, family: 'netplan', id: 'ubuntu' },
  { file: 'ubuntu-24.04', netplanDir: true, family: 'netplan', id: 'ubuntu' },
  // An Ubuntu image converted back to ifupdown (no /etc/netplan).
  { file: 'ubuntu-22.04', netplanDir: false, family: 'debian', id: 'ubuntu' },
  { file: 'sles-15-sp5', netplanDir: false, family: 'suse', id: 'sles' },
  { file: 'opensuse-leap-15.5', netplanDir: false, family: 'suse', id: 'opensuse-leap' },
  { file: 'opensuse-tumbleweed', netplanDir: false, family: 'suse', id: 'opensuse-tumbleweed' },
];

describe('distro detection', () => {
  let tmp = '';
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'eni-detect-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function rootWith(name: string, osRelease: string | undefined, netplanDir: boolean): Promise<string> {
    const root = join(tmp, name);
    await mkdir(join(root, 'etc'), { recursive: true });
    if (osRelease !== undefined) await copyFile(osRelease, join(root, 'etc/os-release'));
    if (netplanDir) await mkdir(join(root, 'etc/netplan'), { recursive: true });
    return root;
  }

  for (const c of CASES) {
    it(`${c.file}${c.netplanDir ? ' with /etc/netplan' : ''} → ${c.family}`, async () => {
      const root = await rootWith(`${c.file}-${c.netplanDir}`, join(FIXTURES, c.file), c.netplanDir);
      const found = await detectDistro(root);
      assert.equal(found.family, c.family, found.reason);
      assert.equal(found.osRelease.id, c.id);
      assert.equal(found.file, join(root, 'etc/os-release'));
      assert.equal(await resolveFamily('auto', root), c.family);
    });
  }

  it('falls back to <root>/usr/lib/os-release', async () => {
    const root = join(tmp, 'usrlib');
    await mkdir(join(root, 'usr/lib'), { recursive: true });
    await copyFile(join(FIXTURES, 'rocky-9.5'), join(root, 'usr/lib/os-release'));
    assert.equal((await detectDistro(root)).family, 'rhel');
  });

  it('throws DistroDetectionError naming the ID and suggesting --distro for an unknown distro', async () => {
    const root = join(tmp, 'arch');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc/os-release'), 'NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n');
    await assert.rejects(detectDistro(root), (err: unknown) => {
      assert.ok(err instanceof DistroDetectionError);
      assert.equal(err.osId, 'arch');
      assert.match(err.message, /ID="arch"/);
      assert.match(err.message, /--distro rhel\|debian\|suse\|netplan/);
      return true;
    });
  });

  it('throws DistroDetectionError when os-release is missing', async () => {
    const root = await rootWith('empty', undefined, false);
    await assert.rejects(detectDistro(root), (err: unknown) => {
      assert.ok(err instanceof DistroDetectionError);
      assert.equal(err.osId, undefined);
      assert.match(err.message, /cannot read .*etc\/os-release/);
      assert.match(err.message, /--distro/);
      return true;
    });
  });

  it('an explicit --distro wins without reading anything; a bad value is refused', async () => {
    assert.equal(await resolveFamily('suse', '/nonexistent'), 'suse');
    await assert.rejects(resolveFamily('gentoo', '/nonexistent'), DistroDetectionError);
  });
});

describe('os-release parsing', () => {
  it('reads quoted, single-quoted, unquoted and escaped values; skips comments', () => {
    const os = parseOsRelease(
      [
        '# comment',
        'ID="alinux"',
        "ID_LIKE='rhel  fedora'",
        'VERSION_ID=2.1903',
        '#VERSION_ID="9"',
        'PRETTY_NAME="A \\"quoted\\" \\$name"',
        'garbage line',
        '',
      ].join('\n'),
    );
    assert.equal(os.id, 'alinux');
    assert.deepEqual(os.idLike, ['rhel', 'fedora']);
    assert.equal(os.versionId, '2.1903');
    assert.equal(os.fields.PRETTY_NAME, 'A "quoted" $name');
  });

  it('defaults ID to linux and maps ID_LIKE-only derivatives', () => {
    assert.equal(parseOsRelease('NAME=x\n').id, 'linux');
    const derivative = parseOsRelease('ID=kylin\nID_LIKE="centos rhel"\n');
    assert.equal(familyFromOsRelease(derivative, { hasNetplanDir: false })?.family, 'rhel');
    const mint = parseOsRelease('ID=linuxmint\nID_LIKE="ubuntu debian"\n');
    assert.equal(familyFromOsRelease(mint, { hasNetplanDir: true })?.family, 'netplan');
    assert.equal(familyFromOsRelease(mint, { hasNetplanDir: false })?.family, 'debian');
    assert.equal(familyFromOsRelease(parseOsRelease('ID=sled\n'), { hasNetplanDir: false })?.family, 'suse');
  });
});
