// End-to-end harness: a simulated ECS host (the netns testbed), a fake metadata service inside
// the guest namespace, a --root tree in a temp dir, and a way to run the real agent CLI in the
// guest namespace. Tests assert on real kernel state read back with `ip -json`.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestbed, defaultNics, type NicSpec, type Testbed } from '../testbed/testbed.js';
import type { FakeImdsScenario } from '../testbed/fake-imds.js';
import type { TrackedProcess } from '../testbed/netns.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/e2e → repository root. */
export const REPO_ROOT = path.resolve(here, '../../..');
export const AGENT = path.join(REPO_ROOT, 'dist/src/cli/main.js');
const FAKE_IMDS = path.join(REPO_ROOT, 'dist/test/testbed/fake-imds-main.js');
const IMDS_PORT = 8080;

export interface HostSpec {
  /** NICs in the kernel (eth0 first = primary). Default: eth0..eth2. */
  nics?: NicSpec[];
  /** Extra private IPs per ifname, added to metadata after the ENI's primary IP. */
  secondaryIps?: Record<string, string[]>;
  /** ifnames whose ENI is not (yet) in metadata. */
  notInMetadata?: string[];
  token?: FakeImdsScenario['token'];
  all?: boolean;
  /** Write /etc/network/interfaces with a source line (default true). */
  sourceLine?: boolean;
  dhcp?: boolean;
  /** --distro the agent is run with (default debian). */
  distro?: 'debian' | 'rhel' | 'suse' | 'netplan';
}

export interface AgentResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

type Json = Record<string, unknown>;

export class AgentHost {
  scenario: FakeImdsScenario;
  imds: TrackedProcess | undefined;

  constructor(
    readonly tb: Testbed,
    readonly root: string,
    readonly scenarioFile: string,
    readonly requestLog: string,
    readonly secondaryIps: Record<string, string[]>,
    readonly distro: string = 'debian',
  ) {
    this.scenario = { meta: {}, token: 'optional', all: true, fault: null };
  }

  get url(): string {
    return `http://127.0.0.1:${IMDS_PORT}`;
  }

  /** The /all-shaped tree for the given NICs (each leases its testbed IP). */
  metaFor(nics: readonly NicSpec[], primaryMac: string): Json {
    const macs: Json = {};
    for (const nic of nics) {
      macs[nic.mac] = {
        'network-interface-id': `eni-test${nic.name.replace(/\D/g, '').padStart(4, '0')}`,
        'primary-ip-address': nic.ip,
        netmask: this.tb.netmask,
        gateway: this.tb.gateway,
        'vswitch-cidr-block': `${this.tb.network}/${this.tb.prefixLength}`,
        'vpc-cidr-block': '10.0.0.0/8',
        'private-ipv4s': [nic.ip, ...(this.secondaryIps[nic.name] ?? [])],
      };
    }
    return { mac: primaryMac, 'instance-id': 'i-testbed', network: { interfaces: { macs } } };
  }

  /** Rewrite the scenario atomically; the fake server re-reads it on every request. */
  async writeScenario(change: Partial<FakeImdsScenario> = {}): Promise<void> {
    this.scenario = { ...this.scenario, ...change };
    const tmp = `${this.scenarioFile}.tmp`;
    await writeFile(tmp, JSON.stringify(this.scenario));
    await rename(tmp, this.scenarioFile);
  }

  /** Set metadata to exactly these NICs (the testbed's by default). */
  async setMetadataNics(nics: readonly NicSpec[]): Promise<void> {
    await this.writeScenario({ meta: this.metaFor(nics, this.tb.nics[0]!.mac) });
  }

  async startImds(): Promise<void> {
    this.imds = this.tb.spawn(['node', FAKE_IMDS, '--listen', `127.0.0.1:${IMDS_PORT}`, '--scenario', this.scenarioFile, '--request-log', this.requestLog]);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const probe = await this.tb.exec(['node', '-e', `require('http').get('${this.url}/latest/meta-data/mac',r=>process.exit(r.statusCode<500?0:1)).on('error',()=>process.exit(1))`]);
      if (probe.exitCode === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('fake metadata server did not start');
  }

  async requestCount(): Promise<number> {
    const text = await readFile(this.requestLog, 'utf8').catch(() => '');
    return text.split('\n').filter((l) => l.trim() !== '').length;
  }

  /** Run the agent CLI inside the guest namespace against this host's root and metadata. */
  async agent(args: string[], options: { timeoutMs?: number; extraArgs?: boolean; env?: Record<string, string> } = {}): Promise<AgentResult> {
    const common = options.extraArgs === false ? [] : ['--root', this.root, '--metadata-url', this.url, ...(args.includes('--distro') ? [] : ['--distro', this.distro])];
    const started = Date.now();
    const result = await this.tb.exec(['node', AGENT, ...args, ...common], { timeoutMs: options.timeoutMs ?? 120_000, ...(options.env ? { env: options.env } : {}) });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, durationMs: Date.now() - started };
  }

  async rules(): Promise<Array<{ priority: number; src?: string; table: string }>> {
    const raw = await this.tb.ipJson<Json[]>(['-4', 'rule', 'show']);
    return raw.map((r) => ({ priority: Number(r.priority), src: typeof r.src === 'string' && r.src !== 'all' ? r.src : undefined, table: String(r.table) }));
  }

  async routes(table: string | number): Promise<Json[]> {
    return this.tb.ipJson<Json[]>(['-4', 'route', 'show', 'table', String(table)]);
  }

  async addresses(ifname: string): Promise<string[]> {
    const raw = await this.tb.ipJson<Json[]>(['-4', 'addr', 'show', 'dev', ifname]);
    return raw.flatMap((l) => ((l.addr_info as Json[]) ?? []).map((a) => String(a.local)));
  }

  async destroy(): Promise<void> {
    await this.tb.destroy();
  }
}

export async function createAgentHost(spec: HostSpec = {}): Promise<AgentHost> {
  const nics = spec.nics ?? defaultNics(3);
  const tb = await createTestbed({ nics, dhcp: spec.dhcp ?? true });
  try {
    const root = path.join(tb.tmpDir, 'root');
    await mkdir(path.join(root, 'etc/network/interfaces.d'), { recursive: true });
    if (spec.sourceLine ?? true) {
      await writeFile(path.join(root, 'etc/network/interfaces'), 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n');
    }
    const host = new AgentHost(tb, root, path.join(tb.tmpDir, 'scenario.json'), path.join(tb.tmpDir, 'imds-requests.log'), spec.secondaryIps ?? {}, spec.distro ?? 'debian');
    const inMetadata = nics.filter((n) => !(spec.notInMetadata ?? []).includes(n.name));
    host.scenario = { meta: host.metaFor(inMetadata, nics[0]!.mac), token: spec.token ?? 'optional', all: spec.all ?? true, fault: null };
    await host.writeScenario();
    await host.startImds();
    return host;
  } catch (error) {
    await tb.destroy();
    throw error;
  }
}

/** Skip a suite unless we are root (netns needs it); CI runs as root. */
export function requireRoot(ctx: Mocha.Context): void {
  if (process.getuid?.() !== 0) ctx.skip();
}
