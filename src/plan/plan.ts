// The planner: a pure diff of desired state against what is on disk and in the kernel.
// Files and bring-up come first; kernel routes, rules and addresses are planned against the
// kernel as it is after bring-up (the caller re-observes between the two phases).

import type { Config } from '../config/config.js';
import type { Action } from '../model/actions.js';
import { isManagedContent, MAX_NIC_INDEX, ROUTE_PROTOCOL } from '../model/ownership.js';
import type { DesiredNic, DesiredState, KernelRoute, KernelRule, KernelState, RenderedFile } from '../model/types.js';
import type { ManagedNicRecord, ManagedRecord } from '../state/record.js';
import { ethIndex } from '../model/validate.js';

const MAIN_TABLE = 254;
const PROTO = String(ROUTE_PROTOCOL);

export interface Conflict {
  ifname?: string;
  path: string;
  reason: string;
}

export interface FilePlanInput {
  desired: DesiredState;
  rendered: RenderedFile[];
  /** Current content of every rendered path and every recorded path (null = absent). */
  disk: ReadonlyMap<string, string | null>;
  record: ManagedRecord;
  force: boolean;
}

export interface FilePlan {
  actions: Action[];
  conflicts: Conflict[];
}

/** Write what differs, refuse to overwrite files we do not own, remove our stale files. */
export function planFiles(input: FilePlanInput): FilePlan {
  const { desired, rendered, disk, record, force } = input;
  const actions: Action[] = [];
  const conflicts: Conflict[] = [];
  const desiredPaths = new Set(rendered.map((f) => f.path));

  for (const file of rendered) {
    const current = disk.get(file.path) ?? null;
    if (current === file.content) continue;
    if (current === null) {
      actions.push({ kind: 'write-file', ifname: file.ifname, path: file.path, content: file.content, mode: file.mode, reason: 'create' });
    } else if (isManagedContent(current)) {
      actions.push({ kind: 'write-file', ifname: file.ifname, path: file.path, content: file.content, mode: file.mode, reason: 'update' });
    } else if (force) {
      actions.push({ kind: 'write-file', ifname: file.ifname, path: file.path, content: file.content, mode: file.mode, reason: 'replace-unmanaged' });
    } else {
      conflicts.push({ ifname: file.ifname, path: file.path, reason: 'exists and is not managed by eni-agent (use --force to replace it, keeping a .eni-agent.bak copy)' });
    }
  }

  for (const path of record.sharedFiles ?? []) {
    const current = disk.get(path) ?? null;
    if (!desiredPaths.has(path) && current !== null && isManagedContent(current)) actions.push({ kind: 'remove-file', path });
  }

  // Stale files: recorded for a bound NIC but no longer rendered, or recorded for a NIC gone
  // from both metadata and kernel. Files of pending, rejected and unknown NICs stay.
  const boundMacs = new Set(desired.nics.map((n) => n.mac));
  for (const [mac, nic] of Object.entries(record.nics)) {
    const gone = isGone(mac, desired);
    if (!boundMacs.has(mac) && !gone) continue;
    for (const path of nic.files) {
      if (desiredPaths.has(path)) continue;
      const current = disk.get(path) ?? null;
      if (current !== null && isManagedContent(current)) actions.push({ kind: 'remove-file', ifname: nic.ifname, path });
    }
  }
  return { actions, conflicts };
}

/** A recorded MAC is gone when neither metadata nor the kernel knows it any more. */
function isGone(mac: string, desired: DesiredState): boolean {
  return !desired.nics.some((n) => n.mac === mac) && !desired.pending.some((p) => p.mac === mac) && !desired.rejected.some((r) => r.mac === mac);
}

/** Secondary NICs that need bringing up: link down, or their primary address not there yet. */
export type IfupAction = Extract<Action, { kind: 'ifup' }>;

export function planBringUp(desired: DesiredState, kernel: KernelState, commands: (nic: DesiredNic) => { up: string[]; down: string[] } | null): IfupAction[] {
  const actions: IfupAction[] = [];
  for (const nic of desired.nics) {
    if (nic.role !== 'secondary') continue;
    const link = kernel.links.find((l) => l.ifname === nic.ifname);
    const hasAddress = kernel.addresses.some((a) => a.ifname === nic.ifname && a.local === nic.primaryIp);
    if (link?.up && hasAddress) continue;
    const cmd = commands(nic);
    if (cmd) actions.push({ kind: 'ifup', ifname: nic.ifname, command: cmd.up, downCommand: cmd.down });
  }
  return actions;
}

export function desiredRoutes(nic: DesiredNic): KernelRoute[] {
  if (nic.role !== 'secondary') return [];
  const table = nic.table!;
  return [
    { family: 4, table: MAIN_TABLE, dst: 'default', gateway: nic.gateway, dev: nic.ifname, metric: nic.metric!, protocol: PROTO },
    { family: 4, table, dst: nic.subnet!, dev: nic.ifname, metric: 0, protocol: PROTO, scope: 'link', prefsrc: nic.primaryIp },
    { family: 4, table, dst: 'default', gateway: nic.gateway, dev: nic.ifname, metric: 0, protocol: PROTO },
  ];
}

export function desiredRules(nic: DesiredNic): KernelRule[] {
  if (nic.role !== 'secondary') return [];
  return [nic.primaryIp!, ...nic.secondaryIps].map((ip) => ({ family: 4, priority: nic.rulePriority!, src: `${ip}/32`, table: nic.table! }));
}

/** Same route for our purposes: protocol, scope and preferred source do not make a second one. */
export function sameRoute(a: KernelRoute, b: KernelRoute): boolean {
  return a.family === b.family && a.table === b.table && a.dst === b.dst && a.dev === b.dev && a.metric === b.metric && a.gateway === b.gateway;
}

export function sameRule(a: KernelRule, b: KernelRule): boolean {
  return a.family === b.family && a.priority === b.priority && a.table === b.table && a.src === b.src;
}

export interface KernelPlanInput {
  desired: DesiredState;
  kernel: KernelState;
  record: ManagedRecord;
  routing: Config['routing'];
  /** NICs to leave out this pass (a conflict, a failed bring-up). */
  skip: ReadonlySet<string>;
  /**
   * Secondary NICs the family has no bring-up command for (netplan under a test root): the
   * agent sets the link up and adds the metadata primary address itself.
   */
  live?: ReadonlySet<string>;
}

/** Addresses the agent itself adds on a NIC: aliases, plus the primary address on a live NIC. */
export function agentAddresses(nic: DesiredNic, live: boolean): string[] {
  return live && nic.role === 'secondary' && nic.primaryIp ? [nic.primaryIp, ...nic.secondaryIps] : nic.secondaryIps;
}

/** Index → which NIC holds it, for every NIC the agent must not disturb or already handles. */
function claimedIndexes(input: KernelPlanInput): Set<number> {
  const { desired, kernel, record } = input;
  const claimed = new Set<number>(desired.nics.map((n) => n.index));
  const indexOfLink = (ifname: string, mac?: string): number | undefined =>
    ethIndex(ifname) ?? (mac ? record.indexes[mac] : undefined) ?? Object.values(record.nics).find((n) => n.ifname === ifname)?.index;
  for (const p of desired.pending) {
    const idx = p.ifname ? indexOfLink(p.ifname, p.mac) : record.nics[p.mac]?.index;
    if (idx !== undefined) claimed.add(idx);
  }
  for (const ifname of desired.unknownLinks) {
    const mac = kernel.links.find((l) => l.ifname === ifname)?.mac;
    const idx = indexOfLink(ifname, mac);
    if (idx !== undefined) claimed.add(idx);
  }
  return claimed;
}

/**
 * Routes, rules and alias addresses. Adds what is missing, deletes only what the agent owns:
 * rules at its priorities pointing at its tables, routes tagged with its protocol, and alias
 * addresses it recorded adding.
 */
export function planKernel(input: KernelPlanInput): Action[] {
  const { desired, kernel, record, routing, skip } = input;
  const adds: Action[] = [];
  const dels: Action[] = [];

  for (const nic of desired.nics) {
    if (skip.has(nic.ifname)) continue;
    const onLink = kernel.addresses.filter((a) => a.ifname === nic.ifname && a.family === 4);
    const isLive = input.live?.has(nic.ifname) === true && nic.role === 'secondary';
    if (isLive) {
      const link = kernel.links.find((l) => l.ifname === nic.ifname);
      if (link && !link.up) adds.push({ kind: 'link-up', ifname: nic.ifname });
      if (!onLink.some((a) => a.local === nic.primaryIp)) {
        adds.push({ kind: 'add-address', ifname: nic.ifname, address: nic.primaryIp!, prefixLength: nic.prefixLength!, label: nic.ifname });
      }
    }
    // Aliases (both roles). K follows metadata order; labels are cosmetic, addresses are compared.
    if (nic.prefixLength !== undefined) {
      nic.secondaryIps.forEach((ip, k) => {
        if (!onLink.some((a) => a.local === ip)) {
          adds.push({ kind: 'add-address', ifname: nic.ifname, address: ip, prefixLength: nic.prefixLength!, label: aliasLabel(nic.ifname, k) });
        }
      });
    }
    const previous: ManagedNicRecord | undefined = record.nics[nic.mac];
    for (const old of previous?.addresses ?? []) {
      if (!agentAddresses(nic, isLive).includes(old.address) && onLink.some((a) => a.local === old.address)) {
        dels.push({ kind: 'del-address', ifname: nic.ifname, address: old.address, prefixLength: old.prefixLength });
      }
    }
    if (nic.role !== 'secondary') continue;

    const wantRoutes = desiredRoutes(nic);
    for (const route of wantRoutes) {
      if (!kernel.routes.some((r) => sameRoute(r, route))) adds.push({ kind: 'add-route', ifname: nic.ifname, route });
    }
    for (const route of kernel.routes) {
      const ours = route.protocol === PROTO && (route.table === nic.table || (route.table === MAIN_TABLE && route.dev === nic.ifname));
      if (ours && !wantRoutes.some((w) => sameRoute(w, route))) dels.push({ kind: 'del-route', ifname: nic.ifname, route });
    }
    const wantRules = desiredRules(nic);
    for (const rule of wantRules) {
      if (!kernel.rules.some((r) => sameRule(r, rule))) adds.push({ kind: 'add-rule', ifname: nic.ifname, rule });
    }
    for (const rule of kernel.rules) {
      const ours = rule.priority === nic.rulePriority && isOurTable(rule.table, routing);
      if (ours && !wantRules.some((w) => sameRule(w, rule))) dels.push({ kind: 'del-rule', ifname: nic.ifname, rule });
    }
  }

  // Orphans: our rules and routes at an index no NIC holds any more (a detached ENI).
  const claimed = claimedIndexes(input);
  const skippedIndexes = new Set(desired.nics.filter((n) => skip.has(n.ifname)).map((n) => n.index));
  const orphan = (index: number): boolean => index >= 0 && index <= MAX_NIC_INDEX && !claimed.has(index) && !skippedIndexes.has(index);
  for (const rule of kernel.rules) {
    if (isOurTable(rule.table, routing) && orphan(rule.priority - routing.rulePriorityBase)) {
      dels.push({ kind: 'del-rule', rule });
    }
  }
  for (const route of kernel.routes) {
    if (route.protocol === PROTO && route.table !== MAIN_TABLE && isOurTable(route.table, routing) && orphan(route.table - routing.tableBase)) {
      dels.push({ kind: 'del-route', route });
    }
  }

  // Delete stale rules before adding new ones so a moved IP never matches two tables at once.
  return [...dels, ...adds];
}

/** Tables tableBase..tableBase+255 belong to the agent. */
export function isOurTable(table: number, routing: Config['routing']): boolean {
  return table >= routing.tableBase && table <= routing.tableBase + MAX_NIC_INDEX;
}

/** Rule priorities rulePriorityBase..rulePriorityBase+255 belong to the agent. */
export function isOurPriority(priority: number, routing: Config['routing']): boolean {
  return priority >= routing.rulePriorityBase && priority <= routing.rulePriorityBase + MAX_NIC_INDEX;
}

export function aliasLabel(ifname: string, k: number): string {
  // Labels are limited to 15 bytes like interface names; fall back to the bare name.
  const label = `${ifname}:${k}`;
  return label.length <= 15 ? label : ifname;
}

/** The record after a pass: bound NICs updated (unless skipped), gone NICs dropped. */
export function nextRecord(
  previous: ManagedRecord,
  desired: DesiredState,
  rendered: RenderedFile[],
  indexes: Record<string, number>,
  skip: ReadonlySet<string>,
  downCommand: (nic: DesiredNic) => string[] | null,
  live: ReadonlySet<string> = new Set(),
  /** What this pass did create for NICs that then failed: still ours, so still recorded. */
  partial: { files: ReadonlySet<string>; addresses: ReadonlyArray<{ ifname: string; address: string; prefixLength: number }> } = { files: new Set(), addresses: [] },
): ManagedRecord {
  const nics: Record<string, ManagedNicRecord> = {};
  for (const [mac, nic] of Object.entries(previous.nics)) {
    if (!isGone(mac, desired)) nics[mac] = nic;
  }
  for (const nic of desired.nics) {
    if (skip.has(nic.ifname)) {
      const files = rendered.filter((f) => f.ifname === nic.ifname && partial.files.has(f.path)).map((f) => f.path);
      const addresses = partial.addresses.filter((a) => a.ifname === nic.ifname).map(({ address, prefixLength }) => ({ address, prefixLength }));
      if (files.length === 0 && addresses.length === 0) continue;
      const prev: ManagedNicRecord = nics[nic.mac] ?? { ifname: nic.ifname, index: nic.index, role: nic.role, files: [], addresses: [], table: nic.table, rulePriority: nic.rulePriority };
      nics[nic.mac] = {
        ...prev,
        files: [...new Set([...prev.files, ...files])],
        addresses: [...prev.addresses, ...addresses.filter((a) => !prev.addresses.some((p) => p.address === a.address))],
      };
      continue;
    }
    nics[nic.mac] = {
      ifname: nic.ifname,
      index: nic.index,
      role: nic.role,
      files: rendered.filter((f) => f.ifname === nic.ifname).map((f) => f.path),
      addresses: nic.prefixLength === undefined ? [] : agentAddresses(nic, live.has(nic.ifname)).map((address) => ({ address, prefixLength: nic.prefixLength! })),
      table: nic.table,
      rulePriority: nic.rulePriority,
      down: nic.role === 'secondary' ? (downCommand(nic) ?? undefined) : undefined,
    };
  }
  const sharedFiles = rendered.filter((f) => f.ifname === undefined).map((f) => f.path);
  return { version: 1, nics, indexes, ...(sharedFiles.length > 0 ? { sharedFiles } : {}) };
}
