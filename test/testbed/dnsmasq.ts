// The VPC's DHCP server: dnsmasq (the dnsmasq-base binary) in the vpc namespace, DHCP only
// (--port=0), static leases only (one MAC → IP line per NIC in a hosts file), everything it writes
// (pid file, lease file, log) under the testbed's temp dir. Hot-plugged NICs are added by
// rewriting the hosts file and sending SIGHUP, which makes dnsmasq re-read it.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep, spawnInNs, type TrackedProcess } from './netns.js';

export interface DhcpHost {
  mac: string;
  ip: string;
}

export interface DnsmasqOptions {
  ns: string;
  /** Directory for the pid, lease, hosts and log files. */
  dir: string;
  iface: string;
  /** Network address of the static range, e.g. 10.0.0.0. */
  network: string;
  netmask: string;
  router: string;
  leaseTime?: string;
  hosts: DhcpHost[];
}

export class Dnsmasq {
  readonly hostsFile: string;
  readonly leaseFile: string;
  readonly logFile: string;
  readonly pidFile: string;
  private proc: TrackedProcess | undefined;
  private hosts: DhcpHost[];

  constructor(private readonly options: DnsmasqOptions) {
    this.hostsFile = join(options.dir, 'dnsmasq.hosts');
    this.leaseFile = join(options.dir, 'dnsmasq.leases');
    this.logFile = join(options.dir, 'dnsmasq.log');
    this.pidFile = join(options.dir, 'dnsmasq.pid');
    this.hosts = [...options.hosts];
  }

  get pid(): number | undefined {
    return this.proc?.running ? this.proc.pid : undefined;
  }

  get process(): TrackedProcess | undefined {
    return this.proc;
  }

  argv(): string[] {
    const o = this.options;
    return [
      'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--port=0',
      '--no-resolv',
      '--no-hosts',
      `--pid-file=${this.pidFile}`,
      `--dhcp-leasefile=${this.leaseFile}`,
      `--dhcp-hostsfile=${this.hostsFile}`,
      `--log-facility=${this.logFile}`,
      '--log-dhcp',
      `--interface=${o.iface}`,
      '--bind-interfaces',
      '--dhcp-authoritative',
      `--dhcp-range=${o.network},static,${o.netmask},${o.leaseTime ?? '12h'}`,
      `--dhcp-option=option:router,${o.router}`,
      // Run as root: the lease and log files live in a root-owned temp dir.
      '--user=root',
      '--group=root',
    ];
  }

  async start(): Promise<void> {
    await this.writeHosts();
    this.proc = spawnInNs(this.options.ns, this.argv());
    // Ready once the log says DHCP is on and the hosts file was read (or it died).
    await this.waitForLog((log) => /DHCP, static leases only/.test(log) && log.includes(`read ${this.hostsFile}`), 10_000);
  }

  /** Add (or replace by MAC) a static lease and make the running dnsmasq re-read its hosts file. */
  async addHost(host: DhcpHost): Promise<void> {
    this.hosts = this.hosts.filter((h) => h.mac.toLowerCase() !== host.mac.toLowerCase());
    this.hosts.push(host);
    await this.reload();
  }

  async removeHost(mac: string): Promise<void> {
    this.hosts = this.hosts.filter((h) => h.mac.toLowerCase() !== mac.toLowerCase());
    await this.reload();
  }

  /** Current leases from the lease file: `expiry mac ip hostname clientid` lines. */
  async leases(): Promise<{ mac: string; ip: string }[]> {
    const text = await readFile(this.leaseFile, 'utf8').catch(() => '');
    return text
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f.length >= 3)
      .map((f) => ({ mac: f[1] ?? '', ip: f[2] ?? '' }));
  }

  async log(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '');
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }

  private async writeHosts(): Promise<void> {
    await writeFile(this.hostsFile, this.hosts.map((h) => `${h.mac.toLowerCase()},${h.ip}\n`).join(''));
  }

  private async reload(): Promise<void> {
    await this.writeHosts();
    if (!this.proc?.running) return;
    const count = (log: string): number => log.split(`read ${this.hostsFile}`).length - 1;
    const before = count(await this.log());
    this.proc.signal('SIGHUP');
    await this.waitForLog((log) => count(log) > before, 5000);
  }

  private async waitForLog(done: (log: string) => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const log = await this.log();
      if (done(log)) return;
      if (!this.proc?.running) {
        throw new Error(`dnsmasq exited: ${this.proc?.output().trim()} ${log.trim()}`);
      }
      if (Date.now() > deadline) throw new Error(`dnsmasq not ready after ${timeoutMs} ms: ${log.trim()}`);
      await sleep(20);
    }
  }
}
