// The command-line contract (DESIGN.md): commands, common options, per-command flags, bad values.
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, UsageError, parseCli } from '../../src/cli/args.js';

const usage = (argv: string[], message: RegExp): void => {
  assert.throws(
    () => parseCli(argv),
    (error: unknown) => error instanceof UsageError && message.test(error.message),
  );
};

describe('core: parseCli', () => {
  it('a bare command gets every default', () => {
    assert.deepEqual(parseCli(['reconcile']), {
      command: 'reconcile',
      positionals: [],
      config: '/etc/eni-agent/config.yaml',
      configExplicit: false,
      metadataUrl: undefined,
      root: '/',
      distro: undefined,
      json: false,
      logLevel: undefined,
      dryRun: false,
      force: false,
      output: undefined,
    });
    assert.equal(DEFAULT_CONFIG, '/etc/eni-agent/config.yaml');
  });

  it('accepts every command of the contract', () => {
    for (const command of ['reconcile', 'daemon', 'status', 'teardown', 'render']) {
      assert.equal(parseCli([command]).command, command);
    }
  });

  it('takes common options before or after the command', () => {
    const opts = parseCli(['--json', 'status', '--config', '/tmp/c.yaml', '--root', '/tmp/root', '--distro', 'suse', '--log-level', 'debug', '--metadata-url', 'http://127.0.0.1:8080']);
    assert.equal(opts.command, 'status');
    assert.equal(opts.json, true);
    assert.equal(opts.config, '/tmp/c.yaml');
    assert.equal(opts.configExplicit, true);
    assert.equal(opts.root, '/tmp/root');
    assert.equal(opts.distro, 'suse');
    assert.equal(opts.logLevel, 'debug');
    assert.equal(opts.metadataUrl, 'http://127.0.0.1:8080');
  });

  it('--config=FILE form marks the config explicit', () => {
    const opts = parseCli(['daemon', '--config=/etc/x.yaml']);
    assert.equal(opts.config, '/etc/x.yaml');
    assert.equal(opts.configExplicit, true);
  });

  it('reconcile takes --dry-run and --force', () => {
    const opts = parseCli(['reconcile', '--dry-run', '--force']);
    assert.equal(opts.dryRun, true);
    assert.equal(opts.force, true);
  });

  it('render takes --output DIR', () => {
    assert.equal(parseCli(['render', '--output', '/tmp/tree']).output, '/tmp/tree');
  });

  it('teardown takes interface names', () => {
    assert.deepEqual(parseCli(['teardown', 'eth1', 'eth2']).positionals, ['eth1', 'eth2']);
  });

  it('--version and --help win over everything else', () => {
    assert.equal(parseCli(['--version']).command, 'version');
    assert.equal(parseCli(['--help']).command, 'help');
    assert.equal(parseCli(['-h']).command, 'help');
    assert.equal(parseCli(['--help', 'frobnicate']).command, 'help');
    assert.equal(parseCli(['status', '--version']).command, 'version');
  });

  it('rejects a missing or unknown command', () => {
    usage([], /no command given/);
    usage(['frobnicate'], /unknown command "frobnicate"/);
    usage(['--json'], /no command given/);
  });

  it('rejects flags on commands they do not apply to', () => {
    usage(['status', '--dry-run'], /^--dry-run does not apply to status$/);
    usage(['daemon', '--force'], /^--force does not apply to daemon$/);
    usage(['reconcile', '--output', '/tmp/x'], /^--output does not apply to reconcile$/);
    usage(['render', '--dry-run'], /^--dry-run does not apply to render$/);
    usage(['teardown', '--force'], /^--force does not apply to teardown$/);
  });

  it('rejects positionals on commands other than teardown', () => {
    usage(['status', 'eth1'], /^status takes no arguments, got "eth1"$/);
    usage(['reconcile', 'now'], /^reconcile takes no arguments/);
  });

  it('rejects bad option values', () => {
    usage(['reconcile', '--distro', 'arch'], /^--distro must be one of/);
    usage(['reconcile', '--log-level', 'trace'], /^--log-level must be one of/);
    usage(['reconcile', '--metadata-url', 'ftp://100.100.100.200'], /^--metadata-url is not an http\(s\) URL/);
    usage(['reconcile', '--metadata-url', '100.100.100.200'], /^--metadata-url is not an http\(s\) URL/);
    usage(['reconcile', '--metadata-url', 'http:// evil'], /^--metadata-url is not an http\(s\) URL/);
  });

  it('accepts every documented distro and an https metadata URL', () => {
    for (const distro of ['auto', 'rhel', 'debian', 'suse', 'netplan']) assert.equal(parseCli(['render', '--distro', distro]).distro, distro);
    assert.equal(parseCli(['status', '--metadata-url', 'https://meta.example/x']).metadataUrl, 'https://meta.example/x');
  });

  it('turns parseArgs errors into UsageError', () => {
    usage(['reconcile', '--bogus'], /bogus/);
    usage(['reconcile', '--config'], /config/);
    usage(['reconcile', '--dry-run=yes'], /dry-run/);
  });
});
