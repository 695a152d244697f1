// Prometheus metrics for node_exporter's textfile collector. One prom-client Registry per
// process (no default process metrics: node_exporter already has the host's); the exposition is
// written atomically after each pass to `metrics.textfile` under the --root prefix.
//
// The temp file write-file-atomic uses is `<file>.<hash>`, which does not end in `.prom`, so the
// collector never reads a half-written file.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { underRoot, writeAtomic } from '../files/atomic.js';

export type PassResult = 'converged' | 'changed' | 'failed' | 'metadata-error' | 'error';

export interface PassObservation {
  result: PassResult;
  durationMs: number;
  /** NICs managed after the pass (bound NICs in the desired state); omitted when unknown. */
  managedNics?: number;
  /** NICs waiting for their link or their metadata; omitted when unknown. */
  pendingNics?: number;
  /** Actions applied to NICs that were already managed before the pass (drift repaired). */
  driftRepairs?: number;
  /** The metadata error kind when result is metadata-error. */
  metadataErrorKind?: string;
  /** When the pass finished (default now). */
  finishedAt?: Date;
}

export class AgentMetrics {
  readonly registry = new Registry();
  private readonly passes: Counter<'result'>;
  private readonly duration: Histogram;
  private readonly managed: Gauge;
  private readonly pending: Gauge;
  private readonly drift: Counter;
  private readonly metadataErrors: Counter<'kind'>;
  private readonly lastSuccess: Gauge;
  private readonly lastPass: Gauge;

  constructor() {
    const registers = [this.registry];
    this.passes = new Counter({ name: 'eni_agent_passes_total', help: 'Reconcile passes by result.', labelNames: ['result'], registers });
    this.duration = new Histogram({
      name: 'eni_agent_pass_duration_seconds',
      help: 'Wall time of a reconcile pass.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.managed = new Gauge({ name: 'eni_agent_managed_nics', help: 'NICs the agent manages (metadata and kernel agree), primary included.', registers });
    this.pending = new Gauge({ name: 'eni_agent_pending_nics', help: 'NICs seen in only one of metadata and the kernel.', registers });
    this.drift = new Counter({ name: 'eni_agent_drift_repairs_total', help: 'Actions applied to already-managed NICs (drift repaired).', registers });
    this.metadataErrors = new Counter({ name: 'eni_agent_metadata_errors_total', help: 'Failed metadata reads by kind.', labelNames: ['kind'], registers });
    this.lastSuccess = new Gauge({ name: 'eni_agent_last_success_timestamp_seconds', help: 'Unix time of the last pass that ended converged or changed.', registers });
    this.lastPass = new Gauge({ name: 'eni_agent_last_pass_timestamp_seconds', help: 'Unix time of the last pass, whatever its result.', registers });
    // Every result label exists from the start, so rate() sees a 0 before the first failure.
    for (const result of ['converged', 'changed', 'failed', 'metadata-error', 'error'] satisfies PassResult[]) this.passes.inc({ result }, 0);
  }

  observePass(o: PassObservation): void {
    const at = (o.finishedAt ?? new Date()).getTime() / 1000;
    this.passes.inc({ result: o.result });
    this.duration.observe(o.durationMs / 1000);
    if (o.managedNics !== undefined) this.managed.set(o.managedNics);
    if (o.pendingNics !== undefined) this.pending.set(o.pendingNics);
    if (o.driftRepairs) this.drift.inc(o.driftRepairs);
    if (o.result === 'metadata-error') this.metadataErrors.inc({ kind: o.metadataErrorKind ?? 'unknown' });
    if (o.result === 'converged' || o.result === 'changed') this.lastSuccess.set(at);
    this.lastPass.set(at);
  }

  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /** Write the exposition to `<root><textfile>` atomically; nothing when textfile is null. */
  async writeTextfile(root: string, textfile: string | null): Promise<string | null> {
    if (textfile === null) return null;
    const target = underRoot(root, textfile);
    await writeAtomic(target, await this.exposition(), 0o644);
    return target;
  }
}
