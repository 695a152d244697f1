// describeAction / formatPlan: one operator-readable line per action, aligned by NIC.
import assert from 'node:assert/strict';
import type { Action } from '../../src/model/actions.js';
import { describeAction, formatPlan } from '../../src/plan/describe.js';

describe('core: describeAction', () => {
  const cases: Array<[Action, string]> = [
    [{ kind: 'write-file', ifname: 'eth1', path: '/etc/sysconfig/network-scripts/ifcfg-eth1', content: 'x', mode: 0o644, reason: 'create' }, 'create /etc/sysconfig/network-scripts/ifcfg-eth1'],
    [{ kind: 'write-file', path: '/etc/network/interfaces.d/eth1', content: 'x', mode: 0o644, reason: 'update' }, 'update /etc/network/interfaces.d/eth1'],
    [{ kind: 'write-file', path: '/etc/sysconfig/network/ifcfg-eth1', content: 'x', mode: 0o644, reason: 'replace-unmanaged' }, 'replace (unmanaged, backed up) /etc/sysconfig/network/ifcfg-eth1'],
    [{ kind: 'remove-file', ifname: 'eth2', path: '/etc/sysconfig/network-scripts/route-eth2' }, 'remove /etc/sysconfig/network-scripts/route-eth2'],
    [{ kind: 'ifup', ifname: 'eth1', command: ['ifup', 'eth1'], downCommand: ['ifdown', 'eth1'] }, 'ifup eth1'],
    [{ kind: 'ifdown', ifname: 'eth1', command: ['ifdown', '--force', 'eth1'] }, 'ifdown --force eth1'],
    [{ kind: 'add-address', ifname: 'eth2', address: '10.0.0.31', prefixLength: 24, label: 'eth2:0' }, 'ip addr add 10.0.0.31/24 dev eth2 label eth2:0'],
    [{ kind: 'add-address', ifname: 'eth2', address: '10.0.0.31', prefixLength: 24 }, 'ip addr add 10.0.0.31/24 dev eth2'],
    [{ kind: 'del-address', ifname: 'eth2', address: '10.0.0.33', prefixLength: 24 }, 'ip addr del 10.0.0.33/24 dev eth2'],
    // Main table and metric 0 are left out; proto is not shown.
    [{ kind: 'add-route', ifname: 'eth1', route: { family: 4, table: 254, dst: 'default', gateway: '10.0.0.253', dev: 'eth1', metric: 1001, protocol: '73' } }, 'ip route add default via 10.0.0.253 dev eth1 metric 1001'],
    [
      { kind: 'add-route', ifname: 'eth1', route: { family: 4, table: 1001, dst: '10.0.0.0/24', dev: 'eth1', metric: 0, protocol: '73', scope: 'link', prefsrc: '10.0.0.20' } },
      'ip route add 10.0.0.0/24 dev eth1 table 1001 src 10.0.0.20',
    ],
    [{ kind: 'del-route', route: { family: 4, table: 1002, dst: 'default', gateway: '10.0.0.253', dev: 'eth2', metric: 0, protocol: '73' } }, 'ip route del default via 10.0.0.253 dev eth2 table 1002'],
    [{ kind: 'add-rule', ifname: 'eth1', rule: { family: 4, priority: 30001, src: '10.0.0.20/32', table: 1001 } }, 'ip rule add from 10.0.0.20/32 lookup 1001 priority 30001'],
    [{ kind: 'del-rule', rule: { family: 4, priority: 30002, table: 1002 } }, 'ip rule del from all lookup 1002 priority 30002'],
    [{ kind: 'start-irqbalance' }, 'start irqbalance (systemctl start irqbalance)'],
    [{ kind: 'set-channels', ifname: 'eth1', shape: 'combined', from: 1, to: 4 }, 'eth1: channels combined 1 → 4'],
  ];
  for (const [action, text] of cases) {
    it(`${action.kind}: ${text}`, () => assert.equal(describeAction(action), text));
  }
});

describe('core: formatPlan', () => {
  it('an empty plan says converged', () => {
    assert.equal(formatPlan([]), 'Nothing to do: converged.\n');
  });

  it('aligns the NIC column to the longest name, "-" for actions without one', () => {
    const actions: Action[] = [
      { kind: 'del-rule', rule: { family: 4, priority: 30002, src: '10.0.0.30/32', table: 1002 } },
      { kind: 'add-address', ifname: 'ens5f1', address: '10.0.0.31', prefixLength: 24, label: 'ens5f1:0' },
      { kind: 'ifup', ifname: 'eth1', command: ['ifup', 'eth1'], downCommand: ['ifdown', 'eth1'] },
    ];
    assert.equal(
      formatPlan(actions),
      'NIC     STEP\n' +
        '-       ip rule del from 10.0.0.30/32 lookup 1002 priority 30002\n' +
        'ens5f1  ip addr add 10.0.0.31/24 dev ens5f1 label ens5f1:0\n' +
        'eth1    ifup eth1\n',
    );
  });

  it('the NIC column is at least as wide as its header', () => {
    assert.equal(formatPlan([{ kind: 'start-irqbalance' }]), 'NIC  STEP\n-    start irqbalance (systemctl start irqbalance)\n');
  });
});
