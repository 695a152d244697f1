// Read the kernel's view in one process: `ip -N -json -batch -` prints one JSON array per
// command, so links, addresses, routes of every table and rules cost a single spawn.

import type { CommandRunner } from '../exec/runner.js';
import type { KernelState } from '../model/types.js';
import { parseAddresses, parseLinks, parseRoutes, parseRules } from './parse.js';

const OBSERVE_BATCH = ['link show', 'addr show', 'route show table all', 'rule show'].join('\n') + '\n';

export async function observeKernel(runner: CommandRunner): Promise<KernelState> {
  const result = await runner.run(['ip', '-N', '-json', '-4', '-batch', '-'], { input: OBSERVE_BATCH, timeoutMs: 10_000 });
  const lines = result.stdout.split('\n').filter((line) => line.trim() !== '');
  if (lines.length !== 4) throw new Error(`ip -batch observe: expected 4 JSON documents, got ${lines.length}`);
  const [links, addrs, routes, rules] = lines as [string, string, string, string];
  return {
    links: parseLinks(links),
    // -4 keeps IPv6 out of the IPv4 policy-routing view; link-local v6 addresses do not matter here.
    addresses: parseAddresses(addrs),
    routes: parseRoutes(routes, 4),
    rules: parseRules(rules, 4),
  };
}
