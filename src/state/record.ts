// What the agent remembers having created, per MAC, so it can clean up exactly that and
// nothing else, and so indexes of NICs not named ethN survive reboots.

export interface ManagedNicRecord {
  ifname: string;
  index: number;
  role: 'primary' | 'secondary';
  /** Root-relative paths of the files written for this NIC. */
  files: string[];
  /** Alias addresses the agent added (never the DHCP/primary address). */
  addresses: Array<{ address: string; prefixLength: number }>;
  table?: number;
  rulePriority?: number;
  /** The family's bring-down command saved at reconcile time, so teardown needs no metadata. */
  down?: string[];
}

export interface ManagedRecord {
  version: 1;
  nics: Record<string, ManagedNicRecord>;
  /** MAC → index for NICs not named ethN. */
  indexes: Record<string, number>;
  /** Files serving several NICs at once (netplan's one YAML file); removed by a full teardown. */
  sharedFiles?: string[];
}

export function emptyRecord(): ManagedRecord {
  return { version: 1, nics: {}, indexes: {} };
}

/** Structural check of a record read from disk; anything odd means "start empty" upstream. */
export function isManagedRecord(value: unknown): value is ManagedRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ManagedRecord>;
  if (v.version !== 1 || typeof v.nics !== 'object' || v.nics === null || typeof v.indexes !== 'object' || v.indexes === null) return false;
  return Object.values(v.nics).every(
    (n) => typeof n === 'object' && n !== null && typeof n.ifname === 'string' && typeof n.index === 'number' && Array.isArray(n.files) && Array.isArray(n.addresses),
  );
}
