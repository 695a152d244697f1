// A benchmark host: the e2e AgentHost on a /20 vSwitch (15 ENIs x 50 IPs do not fit a /24),
// one static-address ENI per NIC, helpers to run the agent and the baseline, to reset the guest
// to "nothing configured" between cold passes, and to snapshot the resulting kernel state.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT, AgentHost } from '../test/e2e/harness.js';
import { createTestbed, type NicSpec } from '../test/testbed/testbed.js';
import { countExecve, timedInNs, type ExecveCount, type Timed } from './measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/bench → repository root (baseline.sh is not compiled; it is read from the source tree). */
export const REPO_ROOT = path.resolve(here, '../..');
export const BASELINE = path.join(REPO_ROOT, 'bench/baseline.sh');
export const TABLE_BASE = 1000;
export const PRIORITY_BASE = 30000;

export interface PassResult extends Timed {
  metadataRequests: number;
  /** The agent's own count of processes it started (ENI_AGENT_BENCH_STATS); undefined for the baseline. */
  runnerSpawns?: number;
}

type Json = Record<string, unknown>;

export class BenchHost {
  private statsFile: string;

  private constructor(
    readonly host: AgentHost,
    readonly n: number,
    readonly m: number,
    readonly addressing: 'static' | 'dhcp',
  ) {
    this.statsFile = path.join(host.tb.tmpDir, 'bench-stats.json');
  }

  /** N secondary ENIs (eth1..ethN) with M private IPs each (the primary IP included), plus eth0. */
  static async create(n: number, m: number, addressing: 'static' | 'dhcp'): Promise<BenchHost> {
    const nics: NicSpec[] = Array.from({ length: n + 1 }, (_, k) => ({
      name: `eth${k}`,
      mac: `00:16:3e:00:01:${(k + 1).toString(16).padStart(2, '0')}`,
      ip: `10.0.${k}.10`,
    }));
    const secondary: Record<string, string[]> = {};
    for (const nic of nics.slice(1)) {
      const k = Number(nic.name.slice(3));
      secondary[nic.name] = Array.from({ length: m - 1 }, (_, j) => `10.0.${k}.${11 + j}`);
    }
    const tb = await createTestbed({ nics, dhcp: addressing === 'dhcp', prefixLength: 20 });
    try {
      const root = path.join(tb.tmpDir, 'root');
      await mkdir(path.join(root, 'etc/network/interfaces.d'), { recursive: true });
      await writeFile(path.join(root, 'etc/network/interfaces'), 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n');
      const host = new AgentHost(tb, root, path.join(tb.tmpDir, 'scenario.json'), path.join(tb.tmpDir, 'imds-requests.log'), secondary);
      host.scenario = { meta: host.metaFor(nics, nics[0]!.mac), token: 'optional', all: true, fault: null };
      await host.writeScenario();
      await host.startImds();
      const bench = new BenchHost(host, n, m, addressing);
      await bench.writeConfig(true);
      return bench;
    } catch (error) {
      await tb.destroy();
      throw error;
    }
  }

  get ns(): string {
    return this.host.tb.guestNs;
  }

  get configFile(): string {
    return path.join(this.host.root, 'bench-config.yaml');
  }

  /** The agent's config: addressing as chosen; tuning.multiqueue as given; no metrics textfile. */
  async writeConfig(multiqueue: boolean): Promise<void> {
    await writeFile(this.configFile, this.configText(multiqueue));
  }

  private configText(multiqueue: boolean): string {
    return [`addressing: ${this.addressing}`, 'tuning:', `  multiqueue: ${multiqueue}`, 'metrics:', '  textfile: null', ''].join('\n');
  }

  /** The daemon's config: the bench config (multiqueue on) plus `daemon.schedule`; returns its path. */
  async writeDaemonConfig(schedule: string): Promise<string> {
    const file = path.join(this.host.root, 'bench-daemon-config.yaml');
    await writeFile(file, `${this.configText(true)}daemon:\n  schedule: '${schedule}'\n`);
    return file;
  }

  agentArgv(command: string[]): string[] {
    return this.agentArgvWith(this.configFile, command);
  }

  agentArgvWith(configFile: string, command: string[]): string[] {
    return ['node', AGENT, ...command, '--config', configFile, '--root', this.host.root, '--metadata-url', this.host.url, '--distro', 'debian'];
  }

  baselineArgv(): string[] {
    return ['bash', BASELINE, this.host.url, String(TABLE_BASE), String(PRIORITY_BASE)];
  }

  async agentPass(command: string[] = ['reconcile']): Promise<PassResult> {
    await rm(this.statsFile, { force: true });
    const before = await this.host.requestCount();
    const timed = await timedInNs(this.ns, this.agentArgv(command), { ...plainEnv(), ENI_AGENT_BENCH_STATS: this.statsFile });
    const requests = (await this.host.requestCount()) - before;
    const stats = JSON.parse(await readFile(this.statsFile, 'utf8').catch(() => '{}')) as { spawns?: number };
    return { ...timed, metadataRequests: requests, runnerSpawns: stats.spawns };
  }

  async baselinePass(): Promise<PassResult> {
    const before = await this.host.requestCount();
    const timed = await timedInNs(this.ns, this.baselineArgv(), plainEnv());
    return { ...timed, metadataRequests: (await this.host.requestCount()) - before };
  }

  countAgent(command: string[] = ['reconcile']): Promise<ExecveCount> {
    return countExecve(this.ns, this.agentArgv(command), plainEnv());
  }

  countBaseline(): Promise<ExecveCount> {
    return countExecve(this.ns, this.baselineArgv(), plainEnv());
  }

  /**
   * Back to "nothing configured" (not measured): secondary NICs down and without addresses (the
   * kernel drops their routes), tables flushed, rules into our tables deleted, the agent's files,
   * ifupdown state and state dir removed. Only ever inside this testbed's guest namespace.
   */
  async reset(): Promise<void> {
    const lines: string[] = [];
    for (let k = 1; k <= this.n; k += 1) {
      lines.push(`link set eth${k} down`, `addr flush dev eth${k}`, `route flush table ${TABLE_BASE + k}`);
    }
    const rules = await this.host.tb.ipJson<Json[]>(['-4', 'rule', 'show']);
    for (const rule of rules) {
      const table = Number(rule.table);
      if (table > TABLE_BASE && table <= TABLE_BASE + 255 && typeof rule.src === 'string') {
        lines.push(`rule del priority ${String(rule.priority)} from ${rule.src} table ${table}`);
      }
    }
    const result = await this.host.tb.exec(['ip', '-force', '-batch', '-'], { input: `${lines.join('\n')}\n` });
    if (result.exitCode !== 0 && !/No such process|Cannot find device/.test(result.stderr)) {
      throw new Error(`reset failed: ${result.stderr}`);
    }
    const root = this.host.root;
    await rm(path.join(root, 'run'), { recursive: true, force: true });
    await rm(path.join(root, 'var'), { recursive: true, force: true });
    await rm(path.join(root, 'etc/network/interfaces.d'), { recursive: true, force: true });
    await mkdir(path.join(root, 'etc/network/interfaces.d'), { recursive: true });
    const left = await this.snapshot();
    if (left.rules.length > 0 || Object.values(left.addresses).some((a) => a.length > 0)) {
      throw new Error(`reset left state behind: ${JSON.stringify(left)}`);
    }
  }

  /** What both sides must agree on: rules, default routes (main + per-NIC tables), addresses. */
  async snapshot(): Promise<KernelState> {
    const rules = (await this.host.tb.ipJson<Json[]>(['-4', 'rule', 'show']))
      .filter((r) => !['local', 'main', 'default'].includes(String(r.table)))
      .map((r) => `${String(r.priority)}: from ${String(r.src)} lookup ${String(r.table)}`)
      .sort();
    const routes = (await this.host.tb.ipJson<Json[]>(['-4', 'route', 'show', 'table', 'all']))
      .filter((r) => r.dst === 'default')
      .map((r) => `default via ${String(r.gateway)} dev ${String(r.dev)} table ${String(r.table ?? 'main')}${r.metric === undefined ? '' : ` metric ${String(r.metric)}`}`)
      .sort();
    const addresses: Record<string, string[]> = {};
    for (let k = 1; k <= this.n; k += 1) {
      const raw = await this.host.tb.ipJson<Json[]>(['-4', 'addr', 'show', 'dev', `eth${k}`]);
      addresses[`eth${k}`] = raw.flatMap((l) => ((l.addr_info as Json[] | undefined) ?? []).map((a) => `${String(a.local)}/${String(a.prefixlen)}`)).sort();
    }
    return { rules, routes, addresses };
  }

  async destroy(): Promise<void> {
    await this.host.destroy();
  }
}

export interface KernelState {
  rules: string[];
  routes: string[];
  addresses: Record<string, string[]>;
}

/** Differences between two snapshots, as readable lines ([] = same). */
export function diffStates(agent: KernelState, baseline: KernelState): string[] {
  const out: string[] = [];
  const cmp = (what: string, a: string[], b: string[]): void => {
    for (const x of a) if (!b.includes(x)) out.push(`${what} only after the agent: ${x}`);
    for (const x of b) if (!a.includes(x)) out.push(`${what} only after the baseline: ${x}`);
  };
  cmp('rule', agent.rules, baseline.rules);
  cmp('default route', agent.routes, baseline.routes);
  for (const dev of new Set([...Object.keys(agent.addresses), ...Object.keys(baseline.addresses)])) {
    cmp(`${dev} address`, agent.addresses[dev] ?? [], baseline.addresses[dev] ?? []);
  }
  return out;
}

/** A small, fixed environment for every measured command (no inherited NODE_OPTIONS etc.). */
function plainEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C' };
}
