// `eni-agent status`: every NIC the agent knows, its live state, and drift marked — computed by
// a dry-run pass, so "drift" means exactly "the next reconcile would change something".

import { readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { isMetadataError, loadSnapshotCache } from '../../metadata/index.js';
import type { Action } from '../../model/actions.js';
import { actionIfname } from '../../apply/apply.js';
import { desiredRules, sameRule } from '../../plan/plan.js';
import { describeAction } from '../../plan/describe.js';
import { runPass, type PassReport } from '../../reconcile.js';
import { observeTuning, tuningStatus, type NicTuningStatus } from '../../tuning/index.js';
import { familyAndRenderer, type Context } from '../context.js';
import { EXIT, fetchAndCache } from './reconcile.js';

export interface NicStatus {
  ifname: string;
  mac: string;
  eniId?: string;
  role: 'primary' | 'secondary' | 'unknown' | 'pending';
  ips: string[];
  table?: number;
  metric?: number;
  rules: string;
  /** Link inventory from sysfs (operstate, MTU, speed, driver), for `--json`. */
  link?: { operstate: string; mtu: number | null; speedMbps: number | null; driver: string | null };
  /** Channels current/max (`2/4`, rx/tx shape `rx 1/4 tx 1/4`), or `-`. */
  channels: string;
  /** The RPS mask every RX queue carries (`0` = off), `mixed`, or `-`. */
  rps: string;
  state: 'converged' | 'drift' | 'pending' | 'error' | 'unmanaged';
  reason?: string;
  drift: string[];
}

/**
 * Per-link inventory (operstate, MTU, speed, driver) read straight from sysfs. systeminformation
 * was measured doing this at ~1,000 processes and ~1 s for a 4-NIC host (it probes DHCP and
 * ethtool per link), so status reads the four files itself. A failure only loses this detail.
 */
async function linkInventory(ifnames: string[]): Promise<Map<string, NonNullable<NicStatus['link']>>> {
  const read = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).trim();
  const entries = await Promise.all(
    ifnames.map(async (ifname) => {
      const dir = path.join('/sys/class/net', ifname);
      const [operstate, mtu, speed, driverLink] = await Promise.all([
        read(path.join(dir, 'operstate')),
        read(path.join(dir, 'mtu')),
        read(path.join(dir, 'speed')),
        readlink(path.join(dir, 'device/driver')).catch(() => ''),
      ]);
      const num = (v: string) => (/^\d+$/.test(v) ? Number(v) : null);
      return [ifname, { operstate: operstate || 'unknown', mtu: num(mtu), speedMbps: num(speed), driver: driverLink ? path.basename(driverLink) : null }] as const;
    }),
  );
  return new Map(entries);
}

function channelsText(t: NicTuningStatus | undefined): string {
  const ch = t?.channels;
  if (!ch) return '-';
  return ch.shape === 'combined' ? `${ch.current}/${ch.max}` : `rx ${ch.current}/${ch.max} tx ${ch.currentTx}/${ch.maxTx}`;
}

export function nicStatuses(report: PassReport, tuning: NicTuningStatus[] = []): NicStatus[] {
  const { desired, kernel } = report;
  const byNic = new Map<string, Action[]>();
  for (const a of report.actions) {
    const key = actionIfname(a) ?? '-';
    byNic.set(key, [...(byNic.get(key) ?? []), a]);
  }
  const rows: NicStatus[] = desired.nics.map((nic) => {
    const wanted = desiredRules(nic);
    const present = wanted.filter((w) => kernel.rules.some((r) => sameRule(r, w))).length;
    const drift = (byNic.get(nic.ifname) ?? []).map(describeAction);
    const failure = report.failures.find((f) => f.ifname === nic.ifname);
    return {
      ifname: nic.ifname,
      mac: nic.mac,
      eniId: nic.eniId,
      role: nic.role,
      ips: [nic.primaryIp, ...nic.secondaryIps].filter((ip): ip is string => ip !== undefined),
      table: nic.table,
      metric: nic.metric,
      rules: nic.role === 'secondary' ? `${present}/${wanted.length}` : '-',
      channels: channelsText(tuning.find((t) => t.ifname === nic.ifname)),
      rps: tuning.find((t) => t.ifname === nic.ifname)?.rpsMask ?? '-',
      state: failure ? 'error' : drift.length > 0 ? 'drift' : 'converged',
      reason: failure?.reason,
      drift,
    };
  });
  for (const p of desired.pending) {
    const link = kernel.links.find((l) => l.mac === p.mac);
    rows.push({ ifname: p.ifname ?? link?.ifname ?? '-', mac: p.mac, role: 'pending', ips: [], rules: '-', channels: '-', rps: '-', state: p.reason.startsWith('rejected') ? 'error' : 'pending', reason: p.reason, drift: [] });
  }
  for (const ifname of desired.unknownLinks) {
    const link = kernel.links.find((l) => l.ifname === ifname);
    const ips = kernel.addresses.filter((a) => a.ifname === ifname && a.family === 4).map((a) => a.local);
    rows.push({ ifname, mac: link?.mac ?? '-', role: 'unknown', ips, rules: '-', channels: '-', rps: '-', state: 'unmanaged', reason: 'not in metadata; left alone', drift: [] });
  }
  return rows;
}

function formatTable(rows: NicStatus[]): string {
  const header = ['NIC', 'MAC', 'ENI', 'ROLE', 'IPS', 'TABLE', 'METRIC', 'RULES', 'CHANNELS', 'RPS', 'STATE'];
  const cells = rows.map((r) => [r.ifname, r.mac, r.eniId ?? '-', r.role, r.ips.join(',') || '-', String(r.table ?? '-'), String(r.metric ?? '-'), r.rules, r.channels, r.rps, r.state]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(header), ...cells.map(line)];
  for (const r of rows) {
    if (r.reason && r.state !== 'converged') out.push(`  ${r.ifname}: ${r.reason}`);
    for (const d of r.drift) out.push(`  ${r.ifname}: drift: ${d}`);
  }
  return `${out.join('\n')}\n`;
}

export async function statusCommand(ctx: Context): Promise<number> {
  const { family, renderer } = await familyAndRenderer(ctx);
  let metadataNote: string | undefined;
  const fetchSnapshot = async () => {
    try {
      return await fetchAndCache(ctx);
    } catch (error) {
      if (!isMetadataError(error)) throw error;
      const cached = await loadSnapshotCache(ctx.stateDir).catch(() => undefined);
      if (!cached) throw error;
      metadataNote = `metadata unavailable (${error.kind}); showing the cached answer from ${cached.savedAt.toISOString()}`;
      return cached.snapshot;
    }
  };
  let report: PassReport;
  try {
    report = await runPass(
      { config: ctx.config, root: ctx.root, family, renderer, runner: ctx.runner, logger: ctx.logger, store: ctx.store, fetchSnapshot },
      { dryRun: true, force: false },
    );
  } catch (error) {
    if (!isMetadataError(error)) throw error;
    ctx.logger.error(`metadata service unavailable (${error.kind}) and no cached answer: ${error.message}`);
    return EXIT.metadata;
  }
  // Channels and RPS for people: read once here, off the reconcile hot path.
  const tuningNics = report.desired.nics.map((n) => ({ ifname: n.ifname, role: n.role }));
  const observed = await observeTuning(
    tuningNics.map((n) => n.ifname),
    { runner: ctx.runner, config: { ...ctx.config.tuning, irqbalance: false } },
  );
  const rows = nicStatuses(report, tuningStatus(tuningNics, observed, ctx.config.tuning));
  const inventory = await linkInventory(rows.map((r) => r.ifname).filter((n) => n !== '-'));
  for (const row of rows) row.link = inventory.get(row.ifname);
  const lastPass = await ctx.store.loadSummary();
  if (ctx.options.json) {
    process.stdout.write(`${JSON.stringify({ family, metadata: metadataNote ?? 'live', lastPass, nics: rows, warnings: report.warnings }, null, 2)}\n`);
  } else {
    if (metadataNote) process.stdout.write(`${metadataNote}\n`);
    process.stdout.write(`family: ${family}\n`);
    process.stdout.write(lastPass ? `last pass: ${lastPass.finishedAt} ${lastPass.result} (exit ${lastPass.exitCode}, ${lastPass.durationMs} ms, ${lastPass.actions} actions)\n` : 'last pass: never\n');
    process.stdout.write(formatTable(rows));
  }
  return EXIT.converged;
}
