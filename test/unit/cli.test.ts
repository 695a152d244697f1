// The command-line contract from the outside: the built CLI run as a process, exit codes and
// messages. Nothing here needs root or touches the kernel: each case fails (or answers) before
// the agent would change anything, and metadata is only ever asked of a closed loopback port.

import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const AGENT = path.join(REPO, 'dist/src/cli/main.js');

async function agent(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa('node', [AGENT, ...args], { reject: false, timeout: 60_000 });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe('CLI contract', function () {
  this.timeout(60_000);
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'eni-cli-'));
    await mkdir(path.join(root, 'etc'), { recursive: true });
    await writeFile(path.join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const r = await agent(['--version']);
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.trim(), `eni-agent ${pkg.version}`);
  });

  it('--help lists every command', async () => {
    const r = await agent(['--help']);
    assert.equal(r.exitCode, 0);
    for (const cmd of ['reconcile', 'daemon', 'status', 'teardown', 'render']) assert.match(r.stdout, new RegExp(`eni-agent ${cmd}`));
  });

  const usage: Array<[string, string[], RegExp]> = [
    ['no command', [], /no command/],
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['an unknown option', ['reconcile', '--bogus'], /bogus/],
    ['a flag for another command', ['status', '--dry-run'], /--dry-run does not apply to status/],
    ['a bad --distro', ['reconcile', '--distro', 'gentoo'], /--distro must be one of/],
    ['a bad --log-level', ['reconcile', '--log-level', 'loud'], /--log-level/],
    ['a bad --metadata-url', ['reconcile', '--metadata-url', 'ftp://x'], /--metadata-url/],
    ['arguments to reconcile', ['reconcile', 'eth1'], /takes no arguments/],
  ];
  for (const [what, args, message] of usage) {
    it(`exit 2 for ${what}`, async () => {
      const r = await agent(args);
      assert.equal(r.exitCode, 2, r.stderr);
      assert.match(r.stderr, message);
    });
  }

  it('exit 2 naming the key and its line for an unknown config key', async () => {
    const config = path.join(root, 'config.yaml');
    await writeFile(config, 'routing:\n  tableBase: 1000\n  tablebase: 2000\n');
    const r = await agent(['reconcile', '--config', config, '--root', root, '--metadata-url', 'http://127.0.0.1:9']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /config\.yaml:3: routing\.tablebase: unknown key/);
  });

  it('exit 2 naming the key for a mistyped value', async () => {
    const config = path.join(root, 'config.yaml');
    await writeFile(config, 'tuning:\n  rps: sometimes\n');
    const r = await agent(['status', '--config', config, '--root', root]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /config\.yaml:2: tuning\.rps/);
  });

  it('exit 2 naming the ID and suggesting --distro for an unknown distribution', async () => {
    await writeFile(path.join(root, 'etc/os-release'), 'ID=plan9\n');
    const r = await agent(['reconcile', '--root', root, '--metadata-url', 'http://127.0.0.1:9']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /plan9/);
    assert.match(r.stderr, /--distro/);
  });

  it('exit 3 when the metadata service is unreachable, and nothing is written but the state', async () => {
    const config = path.join(root, 'config.yaml');
    await writeFile(config, 'metadata:\n  timeoutMs: 200\n  retries: 1\n');
    const r = await agent(['reconcile', '--config', config, '--root', root, '--metadata-url', 'http://127.0.0.1:9']);
    assert.equal(r.exitCode, 3, r.stderr);
    assert.match(r.stderr, /metadata service unavailable \(unreachable\)/);
    await assert.rejects(readFile(path.join(root, 'etc/network/interfaces.d/eth1')));
    const summary = JSON.parse(await readFile(path.join(root, 'var/lib/eni-agent/last-pass.json'), 'utf8')) as { result: string; exitCode: number };
    assert.equal(summary.result, 'metadata-error');
    assert.equal(summary.exitCode, 3);
  });
});
