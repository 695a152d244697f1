// The testbed: a fake ECS host built from two network namespaces.
//
//   eni-vpc-<pid>-<n>   br0 (gateway address, MAC ee:ff:ff:ff:ff:ff like the ECS vSwitch gateway),
//                       p0..pN enslaved to br0, dnsmasq (DHCP only, one static lease per MAC)
//   eni-guest-<pid>-<n> lo, eth0..ethN (veth peers of p0..pN, MACs 00:16:3e:..), eth0 configured
//                       statically like an ECS primary; secondaries left DOWN for the agent
//
// INVESTIGATION (checked on this host: Debian 12, ifupdown 0.8.41, isc-dhcp-client 4.4.3-P1,
// dnsmasq 2.90, kernel 6.18; evidence: test/e2e/testbed.test.ts and probes during its writing)
//
// 1. `ip netns exec <guest> ifup -i <root>/etc/network/interfaces.d/eth1 --state-dir <root>/run/network eth1`
//    with `iface eth1 inet dhcp` + `metric 1001` works: ifupdown runs
//    `dhclient -4 -v -i -pf /run/dhclient.eth1.pid -lf /var/lib/dhcp/dhclient.eth1.leases -I
//    -df /var/lib/dhcp/dhclient6.eth1.leases eth1 -e IF_METRIC=1001`, gets DHCPACK of the dnsmasq
//    static lease, and Debian's dhclient-script installs `default via 10.0.0.253 dev eth1 metric 1001`
//    (IF_METRIC honoured). The connected route `10.0.0.0/24 dev eth1 proto kernel` gets NO metric,
//    so the main table holds two 10.0.0.0/24 routes (eth0's, added first, wins). The state file
//    goes to --state-dir (ifstate, ifstate.eth1, .ifstate.lock); /run/network is not touched.
//    ifup exits 0 after ~80 ms (the lease is bound before ifup returns). dhclient's chatter
//    (DHCPDISCOVER/OFFER/REQUEST/ACK, "bound to") is on ifup's STDERR, stdout is empty.
// 2. The forked dhclient does NOT hold the caller's pipes: it daemonizes with fds 0/1/2 on
//    /dev/null. execa resolved at once both with stdin 'ignore' and with the default stdin pipe.
//    (A command that leaves a process holding stdout, e.g. `setsid -f sleep`, DOES hang an
//    execa promise until that process dies: use exec(..., { discardOutput: true }) for those.)
// 3. `ifdown -i ... --state-dir ... eth1` runs `dhclient -4 -v -i -r -pf /run/dhclient.eth1.pid ...`:
//    "Killed old client process" (the pid in the pid file), DHCPRELEASE (dnsmasq drops the lease),
//    removes the address and the metric route, `ip link set dev eth1 down`, exit 0, ~1 s.
//    Policy rules/tables the agent added are NOT removed by ifdown.
// 4. A second `ifup` of an interface already up: exit 0, ~8 ms, stderr
//    "ifup: interface eth1 already configured", stdout empty, no second dhclient.
// 5. `ping -I 10.0.0.20 -c1 10.0.0.253` with `ip rule add from 10.0.0.20 lookup 1001` and
//    `default via 10.0.0.253 dev eth1 table 1001`: leaves through eth1 (eth1 tx +N, eth0 tx +0) and
//    gets its replies — with the inherited defaults (rp_filter 0, arp_ignore 0) as well. But the
//    guest then suffers ARP flux: every UP NIC answers an ARP for any guest address and the
//    bridge/gateway keeps the first answer (the newest port is flooded first), so with eth0..eth2
//    up the replies to eth0- and eth1-sourced pings came IN through eth2. With rp_filter=1 plus the
//    policy rules ARP answers are filtered correctly, but the testbed instead sets (inside the
//    guest namespace only, GUEST_SYSCTLS) arp_ignore=1 + arp_announce=2 (and pins rp_filter=2,
//    since a new namespace inherits the host's IPv4 values): then rx also lands on the right NIC.
//    The ECS vSwitch delivers by IP ownership, so this emulates the platform, not an agent duty.
// 6. Hooks: ifup -i still runs the HOST's /etc/network/if-{pre-up,up,down,post-down}.d and
//    /etc/dhcp/dhclient-{enter,exit}-hooks.d. Here they are harmless: ethtool (no-op without
//    ethernet-*/link-* options), resolved (exits: systemd-resolved not installed — were it enabled it
//    would write /run/systemd/resolve/netif/<guest ifindex> and call resolvectl on the HOST),
//    timesyncd (exits: no /run/systemd/system), rfc3442 (routes, in the namespace), debug (RUN=no).
//    dhclient-script writes /etc/resolv.conf only when DNS options come; dnsmasq runs with
//    --port=0 and sends none, and /etc/netns/<guest>/resolv.conf is bind-mounted anyway.
//    The host's hostname is sent by dhclient (UTS namespace is shared); no hostname comes back.
// 7. HAZARD for concurrent testbeds: /run/dhclient.ethN.pid and /var/lib/dhcp/dhclient.ethN.leases
//    are fixed paths on the shared filesystem. With two testbeds up at once (seen: the bench and the
//    daemon e2e running beside this suite), ifdown eth7 in testbed A killed testbed B's dhclient
//    (the last writer of the pid file) and left A's own dhclient running; B kept its address. The
//    teardown therefore removes only new dhclient files that no live process uses.
// 8. veth with numrxqueues/numtxqueues 4: `ethtool -l` reports RX 4 / TX 4 and Combined n/a;
//    `ethtool -L eth1 combined 2` FAILS ("requested channel count exceeds maximum"),
//    `ethtool -L eth1 rx 2 tx 2` works. ECS virtio reports Combined: the agent must handle both.

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dnsmasq } from './dnsmasq.js';
import { registerTeardown, snapshotDhclientFiles, teardownSync, unregisterTeardown, type TeardownReport, type TeardownTarget } from './cleanup.js';
import {
  addNamespace,
  exec,
  ipIn,
  ipJson,
  linkStats,
  listNamespaces,
  namespacePids,
  setSysctls,
  spawnInNs,
  type ExecOptions,
  type ExecResult,
  type LinkStats,
  type SpawnOptions,
  type TrackedProcess,
} from './netns.js';

export interface NicSpec {
  /** Interface name in the guest, e.g. eth1. */
  name: string;
  /** 00:16:3e:xx:xx:xx on ECS. */
  mac: string;
  /** The address dnsmasq leases to this MAC (the ENI's metadata primary-ip-address). */
  ip: string;
  numRxQueues?: number;
  numTxQueues?: number;
}

export interface TestbedSpec {
  /** The first NIC is the primary (configured statically unless configurePrimary is false). */
  nics: NicSpec[];
  /** Gateway address on br0; default 10.0.0.253. */
  gateway?: string;
  /** Prefix length of the vSwitch; default 24. */
  prefixLength?: number;
  /** Run dnsmasq in the vpc namespace; default true. */
  dhcp?: boolean;
  /** Configure the first NIC statically with address + default route; default true. */
  configurePrimary?: boolean;
  /** Keep IPv6 enabled in the namespaces (otherwise disabled, so link counters carry no ND/MLD noise); default false. */
  ipv6?: boolean;
  /** Extra sysctls written inside the guest namespace after the defaults (GUEST_SYSCTLS). */
  guestSysctls?: Record<string, string | number>;
}

/**
 * Sysctls set inside the guest namespace (never in the root namespace). See INVESTIGATION (5):
 * without them a reply to a secondary-NIC address can come in through eth0 (ARP flux).
 */
export const GUEST_SYSCTLS: Readonly<Record<string, string | number>> = {
  // Answer ARP only on the NIC that holds the address, and use that address in our requests:
  // the ECS vSwitch delivers by IP ownership; a Linux bridge learns from whoever answers first.
  'net.ipv4.conf.all.arp_ignore': 1,
  'net.ipv4.conf.default.arp_ignore': 1,
  'net.ipv4.conf.all.arp_announce': 2,
  'net.ipv4.conf.default.arp_announce': 2,
  // Pinned (a new namespace inherits the host's IPv4 values): loose, the systemd default.
  'net.ipv4.conf.all.rp_filter': 2,
  'net.ipv4.conf.default.rp_filter': 2,
};

const MAC_RE = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
const IFNAME_RE = /^[a-zA-Z][a-zA-Z0-9_.-]{0,14}$/;
const IPV4_RE = /^(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$/;
export const DEFAULT_GATEWAY = '10.0.0.253';
/** The MAC of an ECS VPC gateway; also keeps br0's MAC stable while ports come and go. */
export const GATEWAY_MAC = 'ee:ff:ff:ff:ff:ff';

// One import for users: the low-level helpers and the cleanup entry points.
export {
  exec,
  execOk,
  ipJson,
  linkStats,
  spawnInNs,
  setSysctls,
  listNamespaces,
  namespacePids,
  pidAlive,
  ExecError,
  type ExecOptions,
  type ExecResult,
  type LinkStats,
  type SpawnOptions,
  type TrackedProcess,
  type ExitInfo,
} from './netns.js';
export { teardownAllSync, registeredTeardowns, type TeardownReport } from './cleanup.js';

let sequence = 0;

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

function validateNic(nic: NicSpec): void {
  if (!IFNAME_RE.test(nic.name)) throw new Error(`bad interface name ${JSON.stringify(nic.name)}`);
  if (!MAC_RE.test(nic.mac)) throw new Error(`bad MAC ${JSON.stringify(nic.mac)} for ${nic.name}`);
  if (!IPV4_RE.test(nic.ip)) throw new Error(`bad IPv4 ${JSON.stringify(nic.ip)} for ${nic.name}`);
  for (const q of [nic.numRxQueues, nic.numTxQueues]) {
    if (q !== undefined && (!Number.isInteger(q) || q < 1 || q > 1024)) throw new Error(`bad queue count ${q} for ${nic.name}`);
  }
}

export class Testbed {
  readonly vpcNs: string;
  readonly guestNs: string;
  readonly gateway: string;
  readonly prefixLength: number;
  /** Network address of the vSwitch, e.g. 10.0.0.0. */
  readonly network: string;
  /** Dotted netmask, e.g. 255.255.255.0. */
  readonly netmask: string;
  /** Private temp dir (dnsmasq files; tests may put a --root tree here). Removed by destroy(). */
  readonly tmpDir: string;
  dnsmasq: Dnsmasq | undefined;
  private readonly nicList: NicSpec[] = [];
  private readonly peers = new Map<string, string>();
  private readonly spawned = new Set<TrackedProcess>();
  private readonly target: TeardownTarget;
  private destroyed: TeardownReport | undefined;

  /** Use createTestbed(). */
  constructor(spec: TestbedSpec, names: { vpcNs: string; guestNs: string; tmpDir: string }) {
    this.vpcNs = names.vpcNs;
    this.guestNs = names.guestNs;
    this.tmpDir = names.tmpDir;
    this.gateway = spec.gateway ?? DEFAULT_GATEWAY;
    this.prefixLength = spec.prefixLength ?? 24;
    if (!IPV4_RE.test(this.gateway)) throw new Error(`bad gateway ${this.gateway}`);
    if (!Number.isInteger(this.prefixLength) || this.prefixLength < 8 || this.prefixLength > 30) {
      throw new Error(`bad prefix length ${this.prefixLength}`);
    }
    const mask = this.prefixLength === 0 ? 0 : (2 ** 32 - 2 ** (32 - this.prefixLength));
    this.netmask = intToIp(mask);
    this.network = intToIp(ipToInt(this.gateway) - (ipToInt(this.gateway) % 2 ** (32 - this.prefixLength)));
    this.target = {
      pids: () => [...this.spawned].filter((p) => p.running).map((p) => p.pid),
      namespaces: [this.vpcNs, this.guestNs],
      dirs: [this.tmpDir],
      dhclientBefore: snapshotDhclientFiles(),
      ifnames: () => [...new Set([...this.nicList.map((n) => n.name), ...this.removedNames])],
    };
  }

  private readonly removedNames = new Set<string>();

  /** The NICs currently attached, in attach order (eth0 first). */
  get nics(): readonly NicSpec[] {
    return this.nicList;
  }

  nic(name: string): NicSpec {
    const nic = this.nicList.find((n) => n.name === name);
    if (!nic) throw new Error(`no NIC ${name} in the testbed`);
    return nic;
  }

  /** Pids this testbed started itself that are still running (dnsmasq, spawn()). */
  ownPids(): number[] {
    return this.target.pids();
  }

  /** Every pid living in the guest namespace now (dhclient forked by ifup, spawned processes...). */
  guestPids(): Promise<number[]> {
    return namespacePids(this.guestNs);
  }

  /** Every pid living in the vpc namespace now (dnsmasq...). */
  vpcPids(): Promise<number[]> {
    return namespacePids(this.vpcNs);
  }

  // ------------------------------------------------------------------ helpers bound to the guest

  /** Run a command in the guest namespace. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return exec(this.guestNs, argv, options);
  }

  /** Run a command in the vpc namespace. */
  vpcExec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return exec(this.vpcNs, argv, options);
  }

  /** `ip -json <args>` in the guest namespace, parsed. */
  ipJson<T = Record<string, unknown>[]>(args: readonly string[]): Promise<T> {
    return ipJson<T>(this.guestNs, args);
  }

  linkStats(ifname: string): Promise<LinkStats> {
    return linkStats(this.guestNs, ifname);
  }

  /** Start a long-lived process in the guest (or vpc) namespace; killed by destroy(). */
  spawn(argv: readonly string[], options: SpawnOptions & { ns?: 'guest' | 'vpc' } = {}): TrackedProcess {
    const proc = spawnInNs(options.ns === 'vpc' ? this.vpcNs : this.guestNs, argv, options);
    this.spawned.add(proc);
    void proc.exited.then(() => this.spawned.delete(proc));
    return proc;
  }

  // ------------------------------------------------------------------ NICs

  /** Hot-plug: a new veth in the guest (left DOWN), its peer on br0, its static lease in dnsmasq. */
  async addNic(nic: NicSpec): Promise<void> {
    this.assertAlive();
    validateNic(nic);
    if (this.nicList.some((n) => n.name === nic.name)) throw new Error(`${nic.name} already exists in the testbed`);
    if (this.nicList.some((n) => n.mac.toLowerCase() === nic.mac.toLowerCase())) throw new Error(`MAC ${nic.mac} already in use`);
    const peer = this.peerName(nic.name);
    const queues: string[] = [];
    if (nic.numTxQueues !== undefined) queues.push('numtxqueues', String(nic.numTxQueues));
    if (nic.numRxQueues !== undefined) queues.push('numrxqueues', String(nic.numRxQueues));
    // Created directly inside the guest namespace, peer directly inside the vpc namespace.
    // If this fails, it fails: never retry in a form that could create a link in the root namespace.
    await ipIn(this.guestNs, ['link', 'add', nic.name, 'address', nic.mac.toLowerCase(), ...queues, 'type', 'veth', 'peer', 'name', peer, 'netns', this.vpcNs]);
    this.peers.set(nic.name, peer);
    this.nicList.push({ ...nic, mac: nic.mac.toLowerCase() });
    await ipIn(this.vpcNs, ['link', 'set', peer, 'master', 'br0', 'up']);
    await this.dnsmasq?.addHost({ mac: nic.mac, ip: nic.ip });
  }

  /** Detach: delete the guest link (its peer goes with it) and forget its lease. */
  async removeNic(name: string): Promise<void> {
    this.assertAlive();
    const nic = this.nic(name);
    await ipIn(this.guestNs, ['link', 'del', name]);
    this.nicList.splice(this.nicList.indexOf(nic), 1);
    this.peers.delete(name);
    this.removedNames.add(name);
    await this.dnsmasq?.removeHost(nic.mac);
  }

  /** The vpc-side peer of a guest NIC (p0 for eth0, ...). */
  peerOf(name: string): string {
    const peer = this.peers.get(name);
    if (!peer) throw new Error(`no NIC ${name} in the testbed`);
    return peer;
  }

  private peerName(name: string): string {
    const used = new Set(this.peers.values());
    const digits = /([0-9]+)$/.exec(name)?.[1];
    if (digits !== undefined && !used.has(`p${digits}`)) return `p${digits}`;
    for (let i = 100; ; i += 1) if (!used.has(`p${i}`)) return `p${i}`;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Build everything; on failure everything built so far is torn down and the error rethrown. */
  async setUp(spec: TestbedSpec): Promise<void> {
    registerTeardown(this.target);
    try {
      spec.nics.forEach(validateNic);
      for (const ns of [this.vpcNs, this.guestNs]) {
        // /etc/netns/<ns>/resolv.conf is bind-mounted over /etc/resolv.conf by `ip netns exec`:
        // a DHCP client in the namespace writes there, never to the host's resolver.
        await mkdir(join('/etc/netns', ns), { recursive: true });
        await writeFile(join('/etc/netns', ns, 'resolv.conf'), '# eni-agent testbed namespace: no DNS\n');
        await addNamespace(ns);
        await ipIn(ns, ['link', 'set', 'lo', 'up']);
        if (!spec.ipv6) {
          await setSysctls(ns, { 'net.ipv6.conf.all.disable_ipv6': 1, 'net.ipv6.conf.default.disable_ipv6': 1 });
        }
      }
      await setSysctls(this.guestNs, { ...GUEST_SYSCTLS, ...spec.guestSysctls });
      await ipIn(this.vpcNs, ['link', 'add', 'br0', 'address', GATEWAY_MAC, 'type', 'bridge']);
      await ipIn(this.vpcNs, ['addr', 'add', `${this.gateway}/${this.prefixLength}`, 'dev', 'br0']);
      await ipIn(this.vpcNs, ['link', 'set', 'br0', 'up']);
      if (spec.dhcp ?? true) {
        this.dnsmasq = new Dnsmasq({
          ns: this.vpcNs,
          dir: this.tmpDir,
          iface: 'br0',
          network: this.network,
          netmask: this.netmask,
          router: this.gateway,
          hosts: [],
        });
      }
      for (const nic of spec.nics) await this.addNic(nic);
      const primary = spec.nics[0];
      if (primary && (spec.configurePrimary ?? true)) {
        await ipIn(this.guestNs, ['addr', 'add', `${primary.ip}/${this.prefixLength}`, 'dev', primary.name]);
        await ipIn(this.guestNs, ['link', 'set', primary.name, 'up']);
        await ipIn(this.guestNs, ['route', 'add', 'default', 'via', this.gateway, 'dev', primary.name]);
      }
      if (this.dnsmasq) {
        // Started after the hosts are known (addNic only rewrites the file while it is not running).
        const dnsmasq = this.dnsmasq;
        await dnsmasq.start();
        const proc = dnsmasq.process;
        if (proc) {
          this.spawned.add(proc);
          void proc.exited.then(() => this.spawned.delete(proc));
        }
      }
    } catch (err) {
      await this.destroy();
      throw err;
    }
  }

  /**
   * Kill every pid this testbed started and every pid living in its namespaces (dhclient forked
   * by ifup, ...), delete both namespaces, /etc/netns/<ns>, the temp dir and the dhclient
   * pid/lease files that appeared for its interfaces. Idempotent.
   */
  async destroy(): Promise<TeardownReport> {
    if (this.destroyed) return this.destroyed;
    // Stop our own children gracefully first so Node reaps them, then the synchronous sweep.
    await Promise.all([...this.spawned].map((p) => p.stop(2000)));
    unregisterTeardown(this.target);
    this.destroyed = teardownSync(this.target);
    return this.destroyed;
  }

  get isDestroyed(): boolean {
    return this.destroyed !== undefined;
  }

  private assertAlive(): void {
    if (this.destroyed) throw new Error('testbed already destroyed');
  }
}

async function allocateNames(): Promise<{ vpcNs: string; guestNs: string }> {
  const existing = new Set(await listNamespaces());
  for (;;) {
    sequence += 1;
    const vpcNs = `eni-vpc-${process.pid}-${sequence}`;
    const guestNs = `eni-guest-${process.pid}-${sequence}`;
    if (!existing.has(vpcNs) && !existing.has(guestNs)) return { vpcNs, guestNs };
  }
}

/** Build a testbed (see the header comment). Always destroy() it, e.g. in afterEach. */
export async function createTestbed(spec: TestbedSpec): Promise<Testbed> {
  const names = await allocateNames();
  // The creator's pid in the name lets scripts/testbed-cleanup.sh tell leftovers from live runs.
  const tmpDir = await mkdtemp(join(tmpdir(), `eni-testbed-${process.pid}-`));
  const testbed = new Testbed(spec, { ...names, tmpDir });
  await testbed.setUp(spec);
  return testbed;
}

/** A conventional spec: eth0 (primary) .. eth<count-1>, MACs 00:16:3e:00:00:0N, IPs 10.0.0.(10N). */
export function defaultNics(count: number, options: { queues?: number } = {}): NicSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `eth${i}`,
    mac: `00:16:3e:00:00:${(i + 1).toString(16).padStart(2, '0')}`,
    ip: `10.0.0.${10 * (i + 1)}`,
    ...(options.queues && i > 0 ? { numRxQueues: options.queues, numTxQueues: options.queues } : {}),
  }));
}
