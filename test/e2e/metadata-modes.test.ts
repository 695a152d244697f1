// The agent against every metadata shape it meets on ECS: hardened (token) mode, the tree
// crawl where /all is absent, and how little a converged pass costs: processes spawned and
// metadata requests, counted by the agent itself and by the fake server's request log.

import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createAgentHost, requireRoot, type AgentHost } from './harness.js';

async function ourRules(host: AgentHost): Promise<string[]> {
  return (await host.rules()).filter((r) => r.priority >= 30000 && r.priority < 30256).map((r) => `${r.priority} ${r.src} ${r.table}`).sort();
}

async function requests(host: AgentHost): Promise<string[]> {
  return (await readFile(host.requestLog, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '');
}

describe('metadata modes and the cost of a converged pass', function () {
  this.timeout(180_000);
  before(function () {
    requireRoot(this);
  });

  for (const [what, spec] of [
    ['token required, /all answered', { token: 'required', all: true }],
    ['no token endpoint, /all absent (crawl)', { token: 'off', all: false }],
  ] as const) {
    describe(what, () => {
      let host: AgentHost;
      before(async () => {
        host = await createAgentHost({ ...spec, secondaryIps: { eth2: ['10.0.0.31'] } });
      });
      after(async () => {
        await host?.destroy();
      });

      it('converges', async () => {
        const result = await host.agent(['reconcile']);
        assert.equal(result.exitCode, 0, result.stderr);
        assert.deepEqual(await ourRules(host), ['30001 10.0.0.20 1001', '30002 10.0.0.30 1002', '30002 10.0.0.31 1002']);
      });

      it('a converged pass spawns at most 2 processes and makes at most 2 metadata requests', async () => {
        const before = (await requests(host)).length;
        const statsFile = path.join(host.tb.tmpDir, 'stats.json');
        const result = await host.agent(['reconcile'], { env: { ENI_AGENT_BENCH_STATS: statsFile } });
        assert.equal(result.exitCode, 0, result.stderr);
        const stats = JSON.parse(await readFile(statsFile, 'utf8')) as { spawns: number; metadataRequests: number };
        const seen = (await requests(host)).slice(before);
        assert.ok(stats.spawns <= 2, `spawned ${stats.spawns}`);
        if (spec.all) {
          assert.ok(stats.metadataRequests <= 2, `asked ${stats.metadataRequests}: ${seen.join(' | ')}`);
          assert.equal(seen.length, stats.metadataRequests, 'the server saw what the agent counted');
        }
      });

      if (spec.token === 'required') {
        it('keeps the token in the state directory, mode 0600, and reuses it across runs', async () => {
          const file = path.join(host.root, 'var/lib/eni-agent/metadata-token.json');
          assert.equal((await stat(file)).mode & 0o777, 0o600);
          const before = (await requests(host)).length;
          assert.equal((await host.agent(['reconcile'])).exitCode, 0);
          const seen = (await requests(host)).slice(before);
          assert.ok(!seen.some((l) => l.startsWith('PUT')), `no new token: ${seen.join(' | ')}`);
        });
      }
    });
  }
});
