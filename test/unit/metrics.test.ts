// The Prometheus textfile exposition: metric names, types, labels and values after a few passes,
// an atomic write under the --root prefix, and nothing written when the textfile is null.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentMetrics } from '../../src/metrics/metrics.js';

describe('metrics: textfile exposition', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'eni-agent-metrics-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('counts passes by result, drift repairs and metadata errors by kind; gauges and histogram', async () => {
    const m = new AgentMetrics();
    m.observePass({ result: 'changed', durationMs: 300, managedNics: 3, pendingNics: 1, driftRepairs: 0, finishedAt: new Date(1_700_000_000_000) });
    m.observePass({ result: 'converged', durationMs: 20, managedNics: 3, pendingNics: 0, finishedAt: new Date(1_700_000_060_000) });
    m.observePass({ result: 'changed', durationMs: 40, managedNics: 3, driftRepairs: 2, finishedAt: new Date(1_700_000_120_000) });
    m.observePass({ result: 'metadata-error', durationMs: 2000, metadataErrorKind: 'timeout', finishedAt: new Date(1_700_000_180_000) });
    m.observePass({ result: 'metadata-error', durationMs: 10, metadataErrorKind: 'throttled' });
    const text = await m.exposition();
    const lines = text.split('\n');
    const has = (line: string) => assert.ok(lines.includes(line), `missing ${JSON.stringify(line)} in\n${text}`);
    has('# TYPE eni_agent_passes_total counter');
    has('eni_agent_passes_total{result="changed"} 2');
    has('eni_agent_passes_total{result="converged"} 1');
    has('eni_agent_passes_total{result="metadata-error"} 2');
    has('eni_agent_passes_total{result="failed"} 0');
    has('eni_agent_passes_total{result="error"} 0');
    has('# TYPE eni_agent_pass_duration_seconds histogram');
    has('eni_agent_pass_duration_seconds_count 5');
    has('eni_agent_pass_duration_seconds_bucket{le="0.05"} 3');
    has('eni_agent_pass_duration_seconds_bucket{le="+Inf"} 5');
    has('eni_agent_managed_nics 3');
    has('eni_agent_pending_nics 0');
    has('eni_agent_drift_repairs_total 2');
    has('eni_agent_metadata_errors_total{kind="timeout"} 1');
    has('eni_agent_metadata_errors_total{kind="throttled"} 1');
    has('# TYPE eni_agent_last_success_timestamp_seconds gauge');
    has('eni_agent_last_success_timestamp_seconds 1700000120');
    // No default process metrics: node_exporter reports the host itself.
    assert.doesNotMatch(text, /process_cpu|nodejs_/);
  });

  it('writes atomically under the root prefix; null writes nothing', async () => {
    const m = new AgentMetrics();
    m.observePass({ result: 'converged', durationMs: 5, managedNics: 1 });
    const textfile = '/var/lib/node_exporter/textfile_collector/eni_agent.prom';
    const written = await m.writeTextfile(root, textfile);
    assert.equal(written, path.join(root, textfile));
    const text = await readFile(written!, 'utf8');
    assert.match(text, /^eni_agent_managed_nics 1$/m);
    assert.deepEqual(await readdir(path.dirname(written!)), ['eni_agent.prom'], 'no temp file left behind');
    assert.equal(await m.writeTextfile(root, null), null);
  });
});
