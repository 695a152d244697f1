// Root-prefixed paths (--root): pure helpers shared by the renderers and the file edge.

import { posix } from 'node:path';

/** `root` + an absolute in-root path, without doubled slashes (`/` + `/etc/x` → `/etc/x`). */
export function underRoot(root: string, path: string): string {
  return posix.join(root === '' ? '/' : root, path);
}

export function isRootSlash(root: string): boolean {
  return posix.normalize(root === '' ? '/' : root) === '/';
}
