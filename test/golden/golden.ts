// Golden files: for every distro family and scenario, the exact files the renderer writes,
// stored under test/golden/<family>/<scenario>/ as a root-like tree, plus manifest.json
// (modes, owning NIC, and the commands that apply them). `npm run golden` (or
// scripts/golden.sh) regenerates them so that a change shows up as a reviewable git diff;
// test/unit/render-golden.test.ts compares a fresh rendering against them byte for byte.

import { posix } from 'node:path';
import { join } from 'node:path';
import type { DistroFamily } from '../../src/model/types.js';
import { rendererFor } from '../../src/render/index.js';
import { packageRoot } from '../../src/render/templates.js';
import { SCENARIOS, SCENARIO_NAMES, type ScenarioName } from '../unit/render-fixtures.js';

export const FAMILIES: DistroFamily[] = ['debian', 'rhel', 'suse', 'netplan'];
export { SCENARIO_NAMES };

export function goldenDir(family: DistroFamily, scenario: ScenarioName): string {
  return join(packageRoot(), 'test', 'golden', family, scenario);
}

/** Relative path in the golden tree → exact bytes, for one family and scenario. */
export function renderGolden(family: DistroFamily, scenario: ScenarioName): Map<string, string> {
  const renderer = rendererFor(family);
  const state = SCENARIOS[scenario](family);
  const ctx = { root: '/' };
  const files = renderer.render(state, ctx);
  const out = new Map<string, string>();
  for (const f of files) out.set(posix.relative('/', f.path), f.content);
  const manifest = {
    files: files.map((f) => ({ path: f.path, mode: `0${f.mode.toString(8)}`, ifname: f.ifname ?? null })),
    afterWrite: renderer.afterWriteCommands(ctx),
    nics: state.nics.map((nic) => ({
      ifname: nic.ifname,
      role: nic.role,
      up: renderer.upCommand(nic, ctx),
      down: renderer.downCommand(nic, ctx),
    })),
  };
  out.set('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  return out;
}
