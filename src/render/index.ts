// The renderer registry: one FamilyRenderer per distro family.

import type { DistroFamily } from '../model/types.js';
import { debianRenderer } from './debian.js';
import type { FamilyRenderer } from './family.js';
import { NETPLAN_PRIMARY_ALIAS_NOTE, netplanRenderer } from './netplan.js';
import { rhelRenderer } from './rhel.js';
import { SUSE_PRIMARY_ALIAS_NOTE, suseRenderer } from './suse.js';

export type { FamilyRenderer, RenderContext } from './family.js';
export { NETPLAN_PRIMARY_ALIAS_NOTE, SUSE_PRIMARY_ALIAS_NOTE };
export { checkNic, checkState } from './check.js';
export { debianRenderer, rhelRenderer, suseRenderer, netplanRenderer };

const RENDERERS: Record<DistroFamily, FamilyRenderer> = {
  rhel: rhelRenderer,
  debian: debianRenderer,
  suse: suseRenderer,
  netplan: netplanRenderer,
};

/** The renderer for a distro family. */
export function rendererFor(family: DistroFamily): FamilyRenderer {
  const renderer = RENDERERS[family];
  if (!renderer) throw new Error(`no renderer for distro family ${String(family)}`);
  return renderer;
}

/**
 * Families whose primary NIC's secondary IPs get no file (applied live only), with the reason;
 * the caller reports it. Debian and RHEL have alias files for them.
 */
export function primaryAliasesLiveOnly(family: DistroFamily): string | undefined {
  if (family === 'suse') return SUSE_PRIMARY_ALIAS_NOTE;
  if (family === 'netplan') return NETPLAN_PRIMARY_ALIAS_NOTE;
  return undefined;
}
