// The renderer registry: one FamilyRenderer per distro family.

import type { DistroFamily } from '../model/types.js';
import { debianRenderer } from './debian.js';
import type { FamilyRenderer } from './family.js';

export type { FamilyRenderer, RenderContext } from './family.js';

const RENDERERS: Partial<Record<DistroFamily, FamilyRenderer>> = {
  debian: debianRenderer,
};

/** The renderer for a family. Throws for a family whose renderer is not implemented. */
export function rendererFor(family: DistroFamily): FamilyRenderer {
  const renderer = RENDERERS[family];
  if (!renderer) throw new Error(`no renderer for distro family ${family}`);
  return renderer;
}
