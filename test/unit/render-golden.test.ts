import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { FAMILIES, SCENARIO_NAMES, goldenDir, renderGolden } from '../golden/golden.js';

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

describe('golden files (regenerate with scripts/golden.sh, review the diff)', () => {
  for (const family of FAMILIES) {
    for (const scenario of SCENARIO_NAMES) {
      it(`${family}/${scenario} renders byte for byte as stored`, async () => {
        const dir = goldenDir(family, scenario);
        const rendered = renderGolden(family, scenario);
        assert.deepEqual(await listFiles(dir), [...rendered.keys()].sort(), `file set differs in ${dir}`);
        for (const [rel, content] of rendered) {
          const stored = await readFile(join(dir, rel), 'utf8');
          assert.equal(content, stored, `${family}/${scenario}/${rel} differs from the golden file`);
        }
      });
    }
  }
});
