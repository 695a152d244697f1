// Desired state: a pure function of (metadata, kernel links, config, remembered indexes).
// A MAC found both in metadata and in the kernel is a bound NIC; everything else is pending,
// rejected or unknown, and the agent leaves it alone.

import type { Config } from '../config/config.js';
import { MAX_NIC_INDEX } from '../model/ownership.js';
import type { DesiredNic, DesiredState, DistroFamily, KernelLink, MetadataSnapshot, PendingNic } from '../model/types.js';
import { ethIndex, ipv4InCidr, ipv4Network } from '../model/validate.js';

/** MAC → index remembered for NICs not named ethN, so numbers survive reboots. */
export type IndexMemory = Record<string, number>;

export interface DesiredInput {
  snapshot: MetadataSnapshot;
  links: KernelLink[];
  config: Pick<Config, 'routing' | 'addressing'>;
  family: DistroFamily;
  indexMemory: IndexMemory;
}

export interface DesiredResult {
  state: DesiredState;
  /** The index memory after this pass (new non-ethN NICs get the lowest free index). */
  indexMemory: IndexMemory;
  /** Non-fatal observations worth a log line (gateway outside the subnet, and so on). */
  warnings: string[];
}

/** Only Ethernet links can be ENIs; loopback, bridges' own ports and tunnels are not. */
function candidateLinks(links: KernelLink[]): KernelLink[] {
  return links.filter((l) => l.linkType === 'ether' && l.mac !== '' && l.mac !== '00:00:00:00:00:00');
}

export function buildDesiredState(input: DesiredInput): DesiredResult {
  const { snapshot, config, family } = input;
  const links = candidateLinks(input.links);
  const linkByMac = new Map(links.map((l) => [l.mac, l]));
  const metadataMacs = new Set([...snapshot.nics.map((n) => n.mac), ...snapshot.rejected.map((r) => r.mac)]);
  const warnings: string[] = [];
  const indexMemory: IndexMemory = { ...input.indexMemory };

  // Indexes already spoken for: every ethN in the kernel, and every remembered MAC.
  const ethTaken = new Set<number>();
  for (const link of links) {
    const n = ethIndex(link.ifname);
    if (n !== undefined) ethTaken.add(n);
  }
  const taken = new Set<number>([...ethTaken, ...Object.values(indexMemory)]);

  const indexFor = (link: KernelLink): number | undefined => {
    const n = ethIndex(link.ifname);
    if (n !== undefined) return n;
    const remembered = indexMemory[link.mac];
    // A remembered number yields to an ethN that now holds it: two NICs must never share a table.
    if (remembered !== undefined && !ethTaken.has(remembered)) return remembered;
    for (let i = 1; i <= MAX_NIC_INDEX; i += 1) {
      if (!taken.has(i)) {
        taken.add(i);
        indexMemory[link.mac] = i;
        return i;
      }
    }
    return undefined;
  };

  const nics: DesiredNic[] = [];
  const pending: PendingNic[] = [];
  for (const meta of snapshot.nics) {
    const link = linkByMac.get(meta.mac);
    if (!link) {
      pending.push({ mac: meta.mac, reason: 'in metadata, no kernel link yet' });
      continue;
    }
    const isPrimary = meta.mac === snapshot.primaryMac;
    const index = isPrimary ? (ethIndex(link.ifname) ?? 0) : indexFor(link);
    if (index === undefined) {
      pending.push({ mac: meta.mac, ifname: link.ifname, reason: `no free index up to ${MAX_NIC_INDEX}` });
      continue;
    }
    if (isPrimary) {
      // The primary keeps its own file, address and default route; only extra IPs become aliases.
      const primaryIp = meta.primaryIp ?? meta.privateIpv4s[0];
      nics.push({
        ifname: link.ifname,
        mac: meta.mac,
        index,
        role: 'primary',
        eniId: meta.eniId,
        primaryIp: meta.primaryIp,
        prefixLength: meta.prefixLength,
        secondaryIps: meta.prefixLength === undefined ? [] : meta.privateIpv4s.filter((ip) => ip !== primaryIp),
      });
      continue;
    }
    const missing = [
      meta.primaryIp === undefined ? 'primary-ip-address' : undefined,
      meta.prefixLength === undefined ? 'netmask' : undefined,
      meta.gateway === undefined ? 'gateway' : undefined,
    ].filter((m): m is string => m !== undefined);
    if (missing.length > 0) {
      pending.push({ mac: meta.mac, ifname: link.ifname, reason: `metadata incomplete: no ${missing.join(', ')}` });
      continue;
    }
    const primaryIp = meta.primaryIp!;
    const prefixLength = meta.prefixLength!;
    const gateway = meta.gateway!;
    const subnet = ipv4Network(primaryIp, prefixLength);
    if (!ipv4InCidr(gateway, subnet)) warnings.push(`${link.ifname}: gateway ${gateway} is outside ${subnet}`);
    nics.push({
      ifname: link.ifname,
      mac: meta.mac,
      index,
      role: 'secondary',
      eniId: meta.eniId,
      primaryIp,
      prefixLength,
      gateway,
      subnet,
      secondaryIps: meta.privateIpv4s.filter((ip) => ip !== primaryIp),
      table: config.routing.tableBase + index,
      metric: config.routing.metricBase + index,
      rulePriority: config.routing.rulePriorityBase + index,
    });
  }

  for (const rejected of snapshot.rejected) {
    const link = linkByMac.get(rejected.mac);
    if (link) pending.push({ mac: rejected.mac, ifname: link.ifname, reason: `rejected: ${rejected.reason}` });
  }

  const unknownLinks = links.filter((l) => !metadataMacs.has(l.mac)).map((l) => l.ifname);
  nics.sort((a, b) => a.index - b.index || a.ifname.localeCompare(b.ifname));

  return {
    state: {
      family,
      addressing: config.addressing,
      primaryMac: snapshot.primaryMac,
      nics,
      pending,
      rejected: snapshot.rejected,
      unknownLinks,
    },
    indexMemory,
    warnings,
  };
}
