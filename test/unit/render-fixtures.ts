// Realistic desired states for the renderer tests and the golden files, built in code.
// The instance of Alibaba's guide (section 4.4): eth0 10.0.0.19 is the primary, eth1 10.0.0.20
// and eth2 10.0.0.21 are ENIs, gateway 10.0.0.253, /24; table/metric base 1000, rules 30000+N.

import type { Addressing, DesiredNic, DesiredState, DistroFamily } from '../../src/model/types.js';

export const MACS = {
  eth0: '00:16:3e:0e:16:21',
  eth1: '00:16:3e:12:e7:27',
  eth2: '00:16:3e:12:16:ec',
} as const;

export function primaryNic(secondaryIps: string[] = []): DesiredNic {
  return {
    ifname: 'eth0',
    mac: MACS.eth0,
    index: 0,
    role: 'primary',
    eniId: 'eni-bp1primary0000000000',
    primaryIp: '10.0.0.19',
    prefixLength: 24,
    secondaryIps,
  };
}

export function secondaryNic(n: 1 | 2, secondaryIps: string[] = []): DesiredNic {
  const ifname = `eth${n}` as 'eth1' | 'eth2';
  return {
    ifname,
    mac: MACS[ifname],
    index: n,
    role: 'secondary',
    eniId: `eni-bp1second${n}00000000000`,
    primaryIp: `10.0.0.${19 + n}`,
    prefixLength: 24,
    gateway: '10.0.0.253',
    subnet: '10.0.0.0/24',
    secondaryIps,
    table: 1000 + n,
    metric: 1000 + n,
    rulePriority: 30000 + n,
  };
}

export function stateOf(family: DistroFamily, nics: DesiredNic[], addressing: Addressing = 'dhcp'): DesiredState {
  return { family, addressing, primaryMac: MACS.eth0, nics, pending: [], rejected: [], unknownLinks: [] };
}

export const SCENARIOS = {
  'one-secondary': (family: DistroFamily) => stateOf(family, [primaryNic(), secondaryNic(1)]),
  'three-nics-with-secondary-ips': (family: DistroFamily) =>
    stateOf(family, [
      primaryNic(['10.0.0.30']),
      secondaryNic(1, ['10.0.0.31', '10.0.0.32']),
      secondaryNic(2, ['10.0.0.33']),
    ]),
  'primary-with-secondary-ips': (family: DistroFamily) => stateOf(family, [primaryNic(['10.0.0.30', '10.0.0.31'])]),
  'static-addressing': (family: DistroFamily) =>
    stateOf(family, [primaryNic(), secondaryNic(1, ['10.0.0.31']), secondaryNic(2)], 'static'),
} as const;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];
