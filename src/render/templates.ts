// Loads and renders the logic-less Mustache templates in `<package>/templates/<family>/`.
// HTML escaping is off (these are config files, not HTML): every value has already been
// validated and normalised by check.ts, which is what keeps hostile input out, not escaping.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Mustache from 'mustache';

/**
 * The package root: the nearest ancestor of this module holding both `package.json` and
 * `templates/`. Works from `src/render` (ts-node style) and `dist/src/render` (compiled).
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the eni-agent package root (templates/ next to package.json)');
    dir = parent;
  }
}

const cache = new Map<string, string>();

export function loadTemplate(family: string, name: string): string {
  const key = `${family}/${name}`;
  let text = cache.get(key);
  if (text === undefined) {
    text = readFileSync(join(packageRoot(), 'templates', family, `${name}.mustache`), 'utf8');
    cache.set(key, text);
  }
  return text;
}

/** Render a template with escaping off; only this call's escaping is changed, not the global. */
export function renderTemplate(family: string, name: string, view: object): string {
  return Mustache.render(loadTemplate(family, name), view, {}, { escape: (value: unknown) => String(value) });
}
