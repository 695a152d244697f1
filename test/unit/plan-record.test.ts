// nextRecord keeps what a failed NIC's pass did create, so a later cleanup can still find it.

import assert from 'node:assert/strict';
import { nextRecord } from '../../src/plan/plan.js';
import type { DesiredNic, DesiredState, RenderedFile } from '../../src/model/types.js';
import { emptyRecord } from '../../src/state/record.js';

const eth1: DesiredNic = {
  ifname: 'eth1', mac: '00:16:3e:00:00:02', index: 1, role: 'secondary', primaryIp: '10.0.0.20', prefixLength: 24,
  gateway: '10.0.0.253', subnet: '10.0.0.0/24', secondaryIps: ['10.0.0.21'], table: 1001, metric: 1001, rulePriority: 30001,
};
const state: DesiredState = { family: 'debian', addressing: 'dhcp', primaryMac: '00:16:3e:00:00:01', nics: [eth1], pending: [], rejected: [], unknownLinks: [] };
const rendered: RenderedFile[] = [{ path: '/etc/network/interfaces.d/eth1', content: '# Managed by eni-agent\n', mode: 0o644, ifname: 'eth1' }];

describe('nextRecord for a NIC that failed mid-pass', () => {
  it('records the file and alias this pass wrote for it', () => {
    const record = nextRecord(emptyRecord(), state, rendered, {}, new Set(['eth1']), () => null, new Set(), {
      files: new Set(['/etc/network/interfaces.d/eth1']),
      addresses: [{ ifname: 'eth1', address: '10.0.0.21', prefixLength: 24 }],
    });
    assert.deepEqual(record.nics['00:16:3e:00:00:02']?.files, ['/etc/network/interfaces.d/eth1']);
    assert.deepEqual(record.nics['00:16:3e:00:00:02']?.addresses, [{ address: '10.0.0.21', prefixLength: 24 }]);
    assert.equal(record.nics['00:16:3e:00:00:02']?.table, 1001);
  });

  it('records nothing when the failed pass created nothing for it', () => {
    const record = nextRecord(emptyRecord(), state, rendered, {}, new Set(['eth1']), () => null);
    assert.equal(record.nics['00:16:3e:00:00:02'], undefined);
  });
});
