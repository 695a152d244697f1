// The cloud-init bootstrap template: valid cloud-config (`cloud-init schema`, skipped with a
// message when cloud-init is not installed), and the config.yaml it writes passes the agent's own
// strict configuration schema.

import assert from 'node:assert/strict';
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/config.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TEMPLATE = path.join(REPO, 'templates/cloud-init/user-data.yaml');

describe('cloud-init user-data template', function () {
  this.timeout(60_000);

  it('is valid cloud-config (cloud-init schema)', async function () {
    const probe = await execa('cloud-init', ['--version'], { reject: false });
    if (probe.exitCode !== 0) {
      console.log('      (skipped: cloud-init is not installed; apt-get install cloud-init)');
      this.skip();
    }
    const r = await execa('cloud-init', ['schema', '--config-file', TEMPLATE], { reject: false });
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Valid cloud-config/);
  });

  it('writes a config.yaml the agent accepts, then reconciles and enables the service', async () => {
    const text = await readFile(TEMPLATE, 'utf8');
    assert.ok(text.startsWith('#cloud-config\n'));
    const doc = parse(text) as { write_files: Array<{ path: string; content: string }>; runcmd: unknown[] };
    const file = doc.write_files.find((f) => f.path === '/etc/eni-agent/config.yaml');
    assert.ok(file, 'writes /etc/eni-agent/config.yaml');
    const config = parseConfigText(file.content, 'user-data config.yaml');
    assert.equal(config.daemon.schedule, '* * * * *');
    assert.equal(config.routing.tableBase, 1000);
    const script = JSON.stringify(doc.runcmd);
    assert.match(script, /reconcile/);
    assert.match(script, /systemctl enable --now eni-agent\.service/);
    assert.match(text, /network: \{config: disabled\}/, 'documents coexistence with cloud-init network config');
  });
});
