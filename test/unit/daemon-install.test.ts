// scripts/install.sh and scripts/uninstall.sh, run only against a fake root (--root): files,
// the enable symlink (`systemctl --root`), idempotence, an existing config kept, and the
// inverse. Never run for real here. Skipped with a message when systemctl is not installed.

import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const INSTALL = path.join(REPO, 'scripts/install.sh');
const UNINSTALL = path.join(REPO, 'scripts/uninstall.sh');

describe('install.sh / uninstall.sh (fake root)', function () {
  this.timeout(30_000);
  let root: string;

  before(async function () {
    if ((await execa('systemctl', ['--version'], { reject: false })).exitCode !== 0) {
      console.log('      (skipped: systemctl is not installed)');
      this.skip();
    }
  });
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'eni-agent-install-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const sh = (script: string, args: string[]) => execa('sh', [script, '--root', root, ...args], { reject: false });
  const unit = () => path.join(root, 'etc/systemd/system/eni-agent.service');
  const wants = () => path.join(root, 'etc/systemd/system/multi-user.target.wants/eni-agent.service');

  it('installs the unit (ExecStart = --bin), config and state dirs, enables it; a re-run changes nothing', async () => {
    const first = await sh(INSTALL, ['--bin', '/opt/eni/bin/eni-agent']);
    assert.equal(first.exitCode, 0, first.stderr);
    const text = await readFile(unit(), 'utf8');
    assert.match(text, /^ExecStart=\/opt\/eni\/bin\/eni-agent daemon$/m);
    assert.equal(await readlink(wants()), '/etc/systemd/system/eni-agent.service');
    assert.match(await readFile(path.join(root, 'etc/eni-agent/config.yaml'), 'utf8'), /eni-agent configuration/);
    assert.equal((await stat(path.join(root, 'var/lib/eni-agent'))).mode & 0o777, 0o700);
    const mtime = (await stat(unit())).mtimeMs;
    const second = await sh(INSTALL, ['--bin', '/opt/eni/bin/eni-agent']);
    assert.equal(second.exitCode, 0, second.stderr);
    assert.match(second.stdout, /up to date/);
    assert.equal((await stat(unit())).mtimeMs, mtime);
  });

  it('keeps an existing config.yaml', async () => {
    await execa('mkdir', ['-p', path.join(root, 'etc/eni-agent')]);
    await writeFile(path.join(root, 'etc/eni-agent/config.yaml'), 'addressing: static\n');
    assert.equal((await sh(INSTALL, ['--bin', '/usr/bin/eni-agent'])).exitCode, 0);
    assert.equal(await readFile(path.join(root, 'etc/eni-agent/config.yaml'), 'utf8'), 'addressing: static\n');
  });

  it('--dry-run changes nothing', async () => {
    const r = await sh(INSTALL, ['--bin', '/usr/bin/eni-agent', '--dry-run']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /would run: .*systemctl --root=.* enable eni-agent\.service/);
    await assert.rejects(stat(unit()));
  });

  it('uninstall is the inverse (config kept unless --purge); --teardown is only printed under --root', async () => {
    assert.equal((await sh(INSTALL, ['--bin', '/usr/bin/eni-agent'])).exitCode, 0);
    const dry = await sh(UNINSTALL, ['--teardown', '--dry-run', '--bin', '/usr/bin/eni-agent']);
    assert.match(dry.stdout, /would run: \/usr\/bin\/eni-agent teardown --root /);
    const r = await sh(UNINSTALL, []);
    assert.equal(r.exitCode, 0, r.stderr);
    await assert.rejects(stat(unit()));
    await assert.rejects(stat(wants()));
    await stat(path.join(root, 'etc/eni-agent/config.yaml'));
    assert.equal((await sh(UNINSTALL, [])).exitCode, 0, 'idempotent');
    assert.equal((await sh(UNINSTALL, ['--purge'])).exitCode, 0);
    await assert.rejects(stat(path.join(root, 'etc/eni-agent')));
  });
});
