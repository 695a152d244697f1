// Results → SVG chart (hand-written, no plotting library) and the Markdown section of
// BENCHMARKS.md.

import type { BenchResults, ConfigResult, SideResult } from './types.js';

const fmt = (x: number | undefined, digits = 0): string => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));
export const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || b === 0 || Number.isNaN(a) || Number.isNaN(b) ? undefined : a / b;
const fmtRatio = (r: number | undefined): string => (r === undefined ? '–' : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2));

interface Series {
  label: string;
  color: string;
  dash: string;
  points: Array<[number, number]>;
}

/** Log-log chart of pass wall time (median) against N×M for agent and baseline, cold and no-op. */
export function renderSvg(results: BenchResults): string {
  const configs = [...results.configs].sort((a, b) => a.n * a.m - b.n * b.m || a.n - b.n);
  const pick = (side: (c: ConfigResult) => SideResult | undefined, pass: 'cold' | 'noop'): Array<[number, number]> =>
    configs.flatMap((c) => {
      const v = side(c)?.[pass].wallMs.median;
      return v === undefined || Number.isNaN(v) ? [] : [[c.n * c.m, Math.max(v, 1)] as [number, number]];
    });
  const series: Series[] = [
    { label: 'baseline cold', color: '#c0392b', dash: '', points: pick((c) => c.baseline, 'cold') },
    { label: 'agent cold', color: '#2471a3', dash: '', points: pick((c) => c.agent, 'cold') },
    { label: 'baseline no-op', color: '#c0392b', dash: '6 4', points: pick((c) => c.baseline, 'noop') },
    { label: 'agent no-op (CLI)', color: '#2471a3', dash: '6 4', points: pick((c) => c.agent, 'noop') },
    {
      label: 'agent no-op (daemon)',
      color: '#1e8449',
      dash: '2 3',
      points: configs.flatMap((c) => (c.daemonNoop ? [[c.n * c.m, Math.max(c.daemonNoop.passMs.median, 1)] as [number, number]] : [])),
    },
  ];
  const W = 760;
  const H = 460;
  const L = 70;
  const R = 190;
  const T = 40;
  const B = 60;
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x0 = Math.floor(Math.log10(Math.min(...xs, 1)));
  const x1 = Math.max(Math.ceil(Math.log10(Math.max(...xs, 10))), x0 + 1);
  const y0 = Math.floor(Math.log10(Math.min(...ys, 10)));
  const y1 = Math.max(Math.ceil(Math.log10(Math.max(...ys, 100))), y0 + 1);
  const sx = (x: number): number => L + ((Math.log10(x) - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number): number => H - B - ((Math.log10(y) - y0) / (y1 - y0)) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${L}" y="22" font-size="14" font-weight="bold">Pass wall time (median) vs N×M — eni-agent vs hand-procedure baseline (${results.mode}, ${results.date})</text>`);
  for (let e = x0; e <= x1; e += 1) {
    for (const mult of [1, 2, 5]) {
      const v = mult * 10 ** e;
      if (v > 10 ** x1) break;
      const x = sx(v);
      out.push(`<line x1="${x.toFixed(1)}" y1="${T}" x2="${x.toFixed(1)}" y2="${H - B}" stroke="${mult === 1 ? '#ccc' : '#eee'}"/>`);
      out.push(`<text x="${x.toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${v}</text>`);
    }
  }
  for (let e = y0; e <= y1; e += 1) {
    for (const mult of [1, 2, 5]) {
      const v = mult * 10 ** e;
      if (v > 10 ** y1) break;
      const y = sy(v);
      out.push(`<line x1="${L}" y1="${y.toFixed(1)}" x2="${W - R}" y2="${y.toFixed(1)}" stroke="${mult === 1 ? '#ccc' : '#eee'}"/>`);
      out.push(`<text x="${L - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`);
    }
  }
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 18}" text-anchor="middle">N×M = secondary ENIs × private IPs per ENI (log scale)</text>`);
  out.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">wall time per pass (log scale)</text>`);
  series.forEach((s, i) => {
    if (s.points.length > 0) {
      const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
      for (const p of s.points) out.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    const ly = T + 10 + i * 22;
    out.push(`<line x1="${W - R + 14}" y1="${ly}" x2="${W - R + 44}" y2="${ly}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
    out.push(`<text x="${W - R + 50}" y="${ly + 4}">${s.label}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function sideRow(c: ConfigResult, pass: 'cold' | 'noop', variant: 'agent' | 'agentNoMultiqueue'): string | undefined {
  const a = c[variant];
  const b = c.baseline;
  if (!a) return undefined;
  const A = a[pass];
  const Bp = b[pass];
  const name = variant === 'agent' ? 'agent' : 'agent, multiqueue off';
  return `| ${c.n}×${c.m} | ${pass === 'noop' ? 'no-op' : 'cold'} | ${name} | ${fmt(A.wallMs.median)} / ${fmt(Bp.wallMs.median)} = **${fmtRatio(ratio(A.wallMs.median, Bp.wallMs.median))}** | ${fmt(A.cpuMs.median)} / ${fmt(Bp.cpuMs.median)} = ${fmtRatio(ratio(A.cpuMs.median, Bp.cpuMs.median))} | ${fmt(A.runnerSpawns)} | ${fmt(A.execve?.total)} / ${fmt(Bp.execve?.total)} = ${fmtRatio(ratio(A.execve?.total, Bp.execve?.total))} | ${fmt(A.metadataRequests)} / ${fmt(Bp.metadataRequests)} = ${fmtRatio(ratio(A.metadataRequests, Bp.metadataRequests))} |`;
}

/** The generated part of BENCHMARKS.md (between the markers). */
export function renderMarkdown(results: BenchResults, jsonName: string, svgName: string): string {
  const m = results.machine;
  const lines: string[] = [];
  lines.push(`### Run ${results.date} (${results.mode} mode, addressing: ${results.addressing})`);
  lines.push('');
  lines.push(`Machine: ${m.cpuModel}, nproc ${m.nproc}, ${m.memoryGiB.toFixed(1)} GiB RAM, kernel ${m.kernel}, Node ${m.node}, ${m.os}. ` +
    `Commit ${results.commit}. Repetitions: ${results.coldReps} cold, ${results.noopReps} no-op per cell (medians shown). Raw data: [\`bench/results/${jsonName}\`](bench/results/${jsonName}).`);
  if (results.addressingNote) lines.push('', `**Addressing:** ${results.addressingNote}`);
  lines.push('');
  lines.push(`![pass time vs N×M](bench/results/${svgName})`);
  lines.push('');
  lines.push('Each cell is *agent / baseline = ratio*. Times in ms. "runner" = processes the agent started itself (its runner\'s count); ' +
    '"execve" = programs started in the whole process tree under `strace -f` (root process included: `node` for the agent, `bash` for the baseline; ifup\'s own children included).');
  lines.push('');
  lines.push('| N×M | pass | variant | wall ms | CPU ms (user+sys) | runner spawns | execve (tree) | metadata requests |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const c of results.configs) {
    for (const pass of ['cold', 'noop'] as const) {
      for (const variant of ['agent', 'agentNoMultiqueue'] as const) {
        const row = sideRow(c, pass, variant);
        if (row) lines.push(row);
      }
    }
  }
  const same = results.configs.filter((c) => c.sameKernelState).length;
  lines.push('');
  lines.push(`Same kernel state (policy rules with priorities, default routes in main and per-NIC tables, addresses) after agent and baseline: ${same}/${results.configs.length} cells.` +
    (results.configs.some((c) => c.kernelStateDiff.length > 0) ? ` Differences: ${results.configs.flatMap((c) => c.kernelStateDiff.map((d) => `${c.n}×${c.m}: ${d}`)).slice(0, 6).join('; ')}` : ''));
  lines.push('');
  lines.push('CLI start-up (in the guest namespace, converged host, median wall / CPU ms):');
  lines.push('');
  lines.push('| command | wall ms | CPU ms | runner spawns | metadata requests |');
  lines.push('|---|---|---|---|---|');
  for (const s of results.startup) {
    const programs = s.execve ? ` (${Object.entries(s.execve.byProgram).map(([k, v]) => `${k}×${v}`).join(', ')})` : '';
    lines.push(`| \`${s.command}\` | ${fmt(s.wallMs.median)} | ${fmt(s.cpuMs.median)} | ${fmt(s.runnerSpawns)}${programs} | ${fmt(s.metadataRequests)} |`);
  }
  const withDaemon = results.configs.filter((c) => c.daemonNoop || c.daemonNoopError);
  if (withDaemon.length > 0) {
    lines.push('');
    lines.push('Daemon no-op pass (`eni-agent daemon --log-level debug`, `daemon.schedule: \'*/1 * * * * *\'`, same converged host as the row above; ' +
      'pass time = the daemon\'s own `pass: nothing to do (N ms)` figure, i.e. in-process, without Node start-up; the baseline column is the baseline\'s no-op wall time; ' +
      'CPU = daemon utime+stime incl. its reaped children over the window ÷ passes; programs = `strace -f -e trace=execve -p <pid>` over a separate window of whole passes):');
    lines.push('');
    lines.push('| N×M | passes | daemon pass ms median / p95 | ÷ baseline no-op (median) | CLI no-op wall ms (÷ baseline) | daemon CPU ms/pass | programs/pass (strace window) | metadata requests/pass |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const c of withDaemon) {
      const d = c.daemonNoop;
      const b = c.baseline.noop.wallMs.median;
      if (!d) {
        lines.push(`| ${c.n}×${c.m} | – | failed: ${c.daemonNoopError ?? '?'} | | | | | |`);
        continue;
      }
      const programs = d.execve ? `${fmt(d.execve.perPass, d.execve.perPass % 1 === 0 ? 0 : 2)} (${d.execve.total} in ${d.execve.passes}: ${Object.entries(d.execve.byProgram).map(([k, v]) => `${k}×${v}`).join(', ') || 'none'})` : '–';
      lines.push(`| ${c.n}×${c.m} | ${d.passes}${d.changedPasses ? ` (${d.changedPasses} changed)` : ''} | ${fmt(d.passMs.median)} / ${fmt(d.passMs.p95)} | **${fmtRatio(ratio(d.passMs.median, b))}** (${fmt(b)} ms) | ${fmt(c.agent.noop.wallMs.median)} (${fmtRatio(ratio(c.agent.noop.wallMs.median, b))}) | ${fmt(d.cpuMsPerPass, 1)} | ${programs} | ${fmt(d.metadataRequestsPerPass, 2)} |`);
    }
  }
  const rssCell = results.configs.find((c) => c.daemonRss);
  lines.push('');
  lines.push(`Daemon: ${results.daemon.measured ? `${results.daemon.hotplug ? `hot-plug latency p50 ${fmt(results.daemon.hotplug.p50)} ms, p95 ${fmt(results.daemon.hotplug.p95)} ms, max ${fmt(results.daemon.hotplug.max)} ms over ${results.daemon.hotplug.samples.length} attachments` : `hot-plug latency ${fmt(results.daemon.hotplugMs)} ms`} (veth added + metadata updated → policy rule present; includes the daemon's 300 ms link debounce), RSS ${fmt(results.daemon.rssMiB, 1)} MiB 5 s after start (1×1)` : results.daemon.note}` +
    (results.daemon.bareNodeRssMiB !== undefined ? `; a bare \`node -e 'setInterval(()=>{},1000)'\` uses ${fmt(results.daemon.bareNodeRssMiB, 1)} MiB.` : '.'));
  if (rssCell?.daemonRss) {
    const r = rssCell.daemonRss;
    lines.push('');
    lines.push(`Daemon RSS after many passes (${r.cell}, SIGHUP = reload + pass, sent by pid as soon as the previous pass ended; schedule passes included): ` +
      `**${fmt(r.rssMiB, 1)} MiB after ${r.passesReached} passes** (target ${r.target}, ${r.stoppedBy === 'count' ? 'reached' : 'stopped by the time budget'} in ${fmt(r.durationS)} s). ` +
      `VmRSS by passes: ${r.curve.map(([p, mib]) => `${p}: ${mib.toFixed(1)}`).join(', ')}.`);
  }
  lines.push('');
  lines.push('Targets:');
  lines.push('');
  for (const t of results.targets) lines.push(`- ${t.met === undefined ? 'NOT MEASURED' : t.met ? 'MET' : 'MISSED'}: ${t.target} — ${t.detail}`);
  lines.push('');
  return lines.join('\n');
}
