// Rewrites test/golden/<family>/<scenario>/ from the current renderers. Run after a deliberate
// change (`npx tsc -p . && node dist/test/golden/regenerate.js`, or scripts/golden.sh), then
// review `git diff test/golden` like any other change.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FAMILIES, SCENARIO_NAMES, goldenDir, renderGolden } from './golden.js';

for (const family of FAMILIES) {
  for (const scenario of SCENARIO_NAMES) {
    const dir = goldenDir(family, scenario);
    await rm(dir, { recursive: true, force: true });
    for (const [rel, content] of renderGolden(family, scenario)) {
      const path = join(dir, rel);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    }
    console.log(`wrote ${dir}`);
  }
}
