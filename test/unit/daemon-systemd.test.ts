// The systemd unit: `systemd-analyze verify` accepts it, and the offline security analysis keeps
// the exposure at or below 4.0. Skipped with a message when systemd-analyze is not installed.
// ExecStart is pointed at this checkout's build (node + dist/src/cli/main.js), since verify
// checks that the binary exists and /usr/bin/eni-agent is not installed on a build machine.

import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const UNIT = path.join(REPO, 'systemd/eni-agent.service');

async function haveSystemdAnalyze(): Promise<boolean> {
  const r = await execa('systemd-analyze', ['--version'], { reject: false });
  return r.exitCode === 0;
}

describe('systemd unit', function () {
  this.timeout(30_000);
  let dir: string;
  let unit: string;

  before(async function () {
    if (!(await haveSystemdAnalyze())) {
      console.log('      (skipped: systemd-analyze is not installed; apt-get install systemd)');
      this.skip();
    }
    dir = await mkdtemp(path.join(tmpdir(), 'eni-agent-unit-'));
    unit = path.join(dir, 'eni-agent.service');
    const text = await readFile(UNIT, 'utf8');
    assert.match(text, /^ExecStart=\/usr\/bin\/eni-agent daemon$/m);
    await writeFile(unit, text.replace(/^ExecStart=.*$/m, `ExecStart=${process.execPath} ${path.join(REPO, 'dist/src/cli/main.js')} daemon`));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('systemd-analyze verify accepts it without a warning', async () => {
    const r = await execa('systemd-analyze', ['verify', unit], { reject: false });
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    assert.doesNotMatch(`${r.stdout}\n${r.stderr}`, /eni-agent\.service/, 'no message about the unit');
  });

  it('has the settings the daemon relies on', async () => {
    const text = await readFile(UNIT, 'utf8');
    for (const line of ['Type=notify', 'NotifyAccess=all', 'Restart=on-failure', 'KillMode=control-group', 'ProtectSystem=strict', 'NoNewPrivileges=yes']) {
      assert.match(text, new RegExp(`^${line}$`, 'm'), line);
    }
    assert.match(text, /^CapabilityBoundingSet=.*CAP_NET_ADMIN/m);
    assert.doesNotMatch(text, /^CapabilityBoundingSet=.*CAP_SYS_ADMIN/m);
  });

  it('offline security exposure is at most 4.0', async function () {
    const r = await execa('systemd-analyze', ['security', '--offline=true', '--no-pager', unit], { reject: false });
    const m = /Overall exposure level for eni-agent\.service: (\d+\.\d+)/.exec(r.stdout + r.stderr);
    if (!m) {
      console.log(`      (skipped: this systemd-analyze cannot run security --offline: ${(r.stderr || r.stdout).trim().split('\n')[0]})`);
      this.skip();
    }
    console.log(`      exposure ${m[1]}`);
    assert.ok(Number(m[1]) <= 4.0, r.stdout);
  });
});
