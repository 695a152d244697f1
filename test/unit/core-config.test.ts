// Configuration parsing: defaults, strict keys with line numbers, types, cron, YAML syntax.
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from '../../src/config/config.js';

const SRC = '/etc/eni-agent/config.yaml';

const configError = (text: string, message: RegExp): void => {
  assert.throws(
    () => parseConfigText(text, SRC),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
      assert.match(error.message, message);
      return true;
    },
  );
};

describe('core: parseConfigText', () => {
  it('an empty file means every default of DESIGN.md', () => {
    const c = parseConfigText('', SRC);
    assert.deepEqual(c.metadata, {
      endpoint: 'http://100.100.100.200',
      token: 'auto',
      timeoutMs: 2000,
      retries: 3,
      tokenTtlSeconds: 21600,
      maxResponseBytes: 1048576,
    });
    assert.equal(c.addressing, 'dhcp');
    assert.equal(c.distro, 'auto');
    assert.deepEqual(c.routing, { tableBase: 1000, metricBase: 1000, rulePriorityBase: 30000 });
    assert.equal(c.tuning.multiqueue, true);
    assert.equal(c.tuning.irqbalance, true);
    assert.equal(c.tuning.rps, 'auto');
    assert.equal(c.tuning.includePrimary, true);
    assert.equal(c.daemon.watchLinks, true);
    assert.equal(c.stateDir, '/var/lib/eni-agent');
    assert.deepEqual(c.log, { level: 'info', format: 'text' });
  });

  it('a file of comments only is the same as an empty one', () => {
    assert.deepEqual(parseConfigText('# nothing here\n', SRC), parseConfigText('', SRC));
  });

  it('keeps given values and fills the rest of a section with defaults', () => {
    const c = parseConfigText('routing:\n  tableBase: 2000\nmetadata:\n  token: required\ntuning:\n  rps: "0f"\nmetrics:\n  textfile: null\n', SRC);
    assert.deepEqual(c.routing, { tableBase: 2000, metricBase: 1000, rulePriorityBase: 30000 });
    assert.equal(c.metadata.token, 'required');
    assert.equal(c.metadata.timeoutMs, 2000);
    assert.equal(c.tuning.rps, '0f');
    assert.equal(c.metrics.textfile, null);
  });

  it('YAML 1.2: off is the string "off", not false', () => {
    assert.equal(parseConfigText('metadata:\n  token: off\n', SRC).metadata.token, 'off');
  });

  it('accepts a valid cron schedule', () => {
    assert.equal(parseConfigText("daemon:\n  schedule: '*/5 * * * *'\n", SRC).daemon.schedule, '*/5 * * * *');
  });

  describe('errors name the file, the line and the key path', () => {
    it('unknown top-level key', () => {
      configError('metadata:\n  token: off\nroutnig:\n  tableBase: 1\n', /^\/etc\/eni-agent\/config\.yaml:3: routnig: unknown key$/);
    });

    it('unknown nested key points at the key, not the section', () => {
      configError('# eni-agent\nrouting:\n  tableBase: 2000\n  tablebase: 5\n', /^\/etc\/eni-agent\/config\.yaml:4: routing\.tablebase: unknown key$/);
    });

    it('unknown key in a deeper section', () => {
      configError('log:\n  level: info\n\n\ndaemon:\n  watchLinks: true\n  cron: "* * * * *"\n', /^\/etc\/eni-agent\/config\.yaml:7: daemon\.cron: unknown key$/);
    });

    it('wrong type: a quoted number', () => {
      configError("routing:\n  tableBase: '1000'\n", /^\/etc\/eni-agent\/config\.yaml:2: routing\.tableBase: /);
    });

    it('wrong type: a string where a boolean is expected', () => {
      configError('tuning:\n  multiqueue: yes\n', /^\/etc\/eni-agent\/config\.yaml:2: tuning\.multiqueue: /);
    });

    it('out of range and non-integer numbers', () => {
      configError('metadata:\n  timeoutMs: 50\n', /:2: metadata\.timeoutMs: /);
      configError('metadata:\n  retries: 1.5\n', /:2: metadata\.retries: /);
    });

    it('a value outside an enum', () => {
      configError('addressing: manual\n', /^\/etc\/eni-agent\/config\.yaml:1: addressing: /);
      configError('log:\n  format: xml\n', /:2: log\.format: /);
    });

    it('a bad rps mask', () => {
      configError('tuning:\n  rps: "zz"\n', /:2: tuning\.rps: /);
    });

    it('a bad cron expression', () => {
      configError("daemon:\n  schedule: 'every minute'\n", /^\/etc\/eni-agent\/config\.yaml:2: daemon\.schedule: not a valid node-cron expression$/);
      configError("daemon:\n  schedule: '61 * * * *'\n", /:2: daemon\.schedule: not a valid node-cron expression$/);
    });

    it('a table range covering the reserved tables 253-255', () => {
      configError('routing:\n  tableBase: 100\n', /^\/etc\/eni-agent\/config\.yaml:1: routing: tableBase range .* reserved tables 253-255$/);
    });

    it('a rule priority base above 32000 (its range would reach the main rule at 32766)', () => {
      configError('routing:\n  rulePriorityBase: 32600\n', /^\/etc\/eni-agent\/config\.yaml:2: routing\.rulePriorityBase: /);
      assert.equal(parseConfigText('routing:\n  rulePriorityBase: 32000\n', SRC).routing.rulePriorityBase, 32000);
    });

    it('YAML syntax error, with its line', () => {
      configError('log:\n  level: info\n\tformat: text\n', /^\/etc\/eni-agent\/config\.yaml:3: YAML syntax error: Tabs are not allowed as indentation/);
      configError('a: 1\nb: 2\nc: d: e\n', /^\/etc\/eni-agent\/config\.yaml:3: YAML syntax error: /);
      configError('routing: [1000\n', /^\/etc\/eni-agent\/config\.yaml:\d+: YAML syntax error: /);
    });

    it('a duplicate key is a syntax error, not a silent override', () => {
      configError('log:\n  level: info\nlog:\n  format: json\n', /^\/etc\/eni-agent\/config\.yaml:3: YAML syntax error: /);
    });

    it('a document that is not a mapping', () => {
      configError('- routing\n- tuning\n', /^\/etc\/eni-agent\/config\.yaml: the configuration must be a YAML mapping of sections$/);
      configError('just a string\n', /must be a YAML mapping/);
    });
  });
});
