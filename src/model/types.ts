// The data that flows through observe → desired → plan → apply.
// Everything here is plain data: no I/O, no classes, easy to snapshot in tests.

/** One ENI as the metadata service describes it, after validation. */
export interface NicMetadata {
  /** Lower-case colon-separated MAC, the key that binds metadata to a kernel link. */
  mac: string;
  eniId?: string;
  /** Primary private IPv4 (absent while metadata lags, or on the primary in some answers). */
  primaryIp?: string;
  /** Prefix length derived from `netmask`. */
  prefixLength?: number;
  gateway?: string;
  /** `vswitch-cidr-block`, normalised to network/prefix. */
  vswitchCidr?: string;
  /** Every private IPv4 of the ENI, the primary included, in metadata order, de-duplicated. */
  privateIpv4s: string[];
  /** IPv6 addresses, normalised (RFC 5952). Empty when the ENI has none (404). */
  ipv6s: string[];
  ipv6Gateway?: string;
}

/** A NIC whose metadata failed validation: it is left alone and reported. */
export interface RejectedNic {
  mac: string;
  reason: string;
}

export interface MetadataSnapshot {
  /** The primary NIC's MAC (`/latest/meta-data/mac`). */
  primaryMac: string;
  nics: NicMetadata[];
  rejected: RejectedNic[];
  /** How the answer was obtained: one `/all` request, a crawl of the tree, or the on-disk cache. */
  source: 'all' | 'crawl' | 'cache';
}

/** A kernel link as `ip -json link` shows it. */
export interface KernelLink {
  ifname: string;
  ifindex: number;
  mac: string;
  up: boolean;
  /** `link_type` (ether, loopback, none). */
  linkType: string;
}

export interface KernelAddress {
  ifname: string;
  family: 4 | 6;
  /** Normalised address. */
  local: string;
  prefixLength: number;
  label?: string;
  /** Has a finite lifetime (DHCP). */
  dynamic: boolean;
  secondary: boolean;
}

export interface KernelRoute {
  family: 4 | 6;
  table: number;
  /** `default` or a normalised CIDR (`10.0.0.0/24`, a host route `10.0.0.5/32`). */
  dst: string;
  gateway?: string;
  dev?: string;
  metric: number;
  /** Protocol number or name as ip prints it (`kernel`, `boot`, `dhcp`, `73`). */
  protocol: string;
  scope?: string;
  prefsrc?: string;
}

export interface KernelRule {
  family: 4 | 6;
  priority: number;
  /** Normalised source CIDR; absent for `from all`. */
  src?: string;
  table: number;
}

export interface KernelState {
  links: KernelLink[];
  addresses: KernelAddress[];
  routes: KernelRoute[];
  rules: KernelRule[];
}

export type DistroFamily = 'rhel' | 'debian' | 'suse' | 'netplan';
export type Addressing = 'dhcp' | 'static';

/** One NIC the agent manages: present both in metadata and in the kernel (a *bound* NIC). */
export interface DesiredNic {
  ifname: string;
  mac: string;
  /** N in ethN (or the remembered index for other names). 0 for the primary. */
  index: number;
  role: 'primary' | 'secondary';
  eniId?: string;
  /** Secondary role only: the ENI's primary IPv4, prefix length, gateway and subnet. */
  primaryIp?: string;
  prefixLength?: number;
  gateway?: string;
  /** The on-link subnet, e.g. `10.0.0.0/24`. */
  subnet?: string;
  /** Private IPv4s beyond the primary, added as aliases `ifname:K` (K from 0, metadata order). */
  secondaryIps: string[];
  /** Secondary role only: policy table and main-table metric (base + index). */
  table?: number;
  metric?: number;
  /** Rule priority for the `from IP lookup table` rules (secondary role only). */
  rulePriority?: number;
}

/** Why a NIC is not (yet) managed. Not an error: metadata and kernel lag each other. */
export interface PendingNic {
  mac: string;
  ifname?: string;
  reason: string;
}

export interface DesiredState {
  family: DistroFamily;
  addressing: Addressing;
  primaryMac: string;
  nics: DesiredNic[];
  pending: PendingNic[];
  rejected: RejectedNic[];
  /** Kernel links with no metadata entry: never touched. */
  unknownLinks: string[];
}

/** A file the renderer wants under the root (path is absolute within the root, e.g. `/etc/...`). */
export interface RenderedFile {
  path: string;
  content: string;
  mode: number;
  /** The NIC this file belongs to, so a pass can skip the files of a failed NIC. */
  ifname?: string;
}
