import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  channelSummary,
  channelTarget,
  isChannelsUnsupported,
  parseEthtoolChannels,
  rxQueuesAfter,
  setChannelsCommand,
  type ChannelInfo,
} from '../../src/tuning/ethtool.js';

// dist/test/unit → repository root
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/ethtool/', import.meta.url));
const fixture = (name: string): string => readFileSync(`${FIXTURES}${name}`, 'utf8');

function parsed(name: string): ChannelInfo {
  const info = parseEthtoolChannels(fixture(name));
  assert.ok(info, `${name} should parse`);
  return info;
}

describe('tuning: ethtool -l parsing', () => {
  it('reads the guide eth0 example (old ethtool zeros, # annotations)', () => {
    assert.deepEqual(parsed('guide-eth0.txt'), {
      max: { rx: 0, tx: 0, other: 0, combined: 2 },
      current: { rx: 0, tx: 0, other: 0, combined: 1 },
    });
  });

  it('reads the guide eth1 example, ignoring the trailing ethtool -L prompt line', () => {
    assert.deepEqual(parsed('guide-eth1.txt'), {
      max: { rx: 0, tx: 0, other: 0, combined: 4 },
      current: { rx: 0, tx: 0, other: 0, combined: 1 },
    });
  });

  it('reads n/a as null (virtio-net with a modern ethtool)', () => {
    assert.deepEqual(parsed('ecs-virtio-4q-na.txt'), {
      max: { rx: null, tx: null, other: null, combined: 4 },
      current: { rx: null, tx: null, other: null, combined: 1 },
    });
    assert.deepEqual(channelSummary(parsed('virtio-net-host-1q.txt')), { shape: 'combined', current: 1, max: 1 });
  });

  it('reads separate RX/TX channels (real veth output)', () => {
    assert.deepEqual(parsed('veth-4q.txt'), {
      max: { rx: 4, tx: 4, other: null, combined: null },
      current: { rx: 4, tx: 4, other: null, combined: null },
    });
    assert.deepEqual(parsed('veth-lowered-1.txt').current, { rx: 1, tx: 1, other: null, combined: null });
    assert.deepEqual(channelSummary(parsed('veth-lowered-1.txt')), { shape: 'rx-tx', current: 1, max: 4, currentTx: 1, maxTx: 4 });
  });

  it('reads a 64-queue device with Other: 1', () => {
    assert.deepEqual(parsed('combined-64q.txt'), {
      max: { rx: null, tx: null, other: 1, combined: 64 },
      current: { rx: null, tx: null, other: 1, combined: 8 },
    });
  });

  for (const name of ['unsupported-netlink.txt', 'unsupported-ioctl.txt']) {
    it(`returns null for a device without channels (${name})`, () => {
      assert.equal(parseEthtoolChannels(fixture(name)), null);
      assert.equal(isChannelsUnsupported(fixture(name)), true);
    });
  }

  it('returns null when every maximum is zero or n/a, and for empty text', () => {
    const zeros = 'Channel parameters for x:\nPre-set maximums:\nRX: 0\nTX: n/a\nOther: 1\nCombined: 0\nCurrent hardware settings:\nRX: 0\nTX: 0\nOther: 1\nCombined: 0\n';
    assert.equal(parseEthtoolChannels(zeros), null);
    assert.equal(parseEthtoolChannels(''), null);
    assert.equal(isChannelsUnsupported(fixture('veth-4q.txt')), false);
  });
});

describe('tuning: channel target', () => {
  it('raises the guide examples to their maximum with combined', () => {
    const a = channelTarget('eth0', parsed('guide-eth0.txt'), null);
    assert.deepEqual(a, { kind: 'set-channels', ifname: 'eth0', shape: 'combined', from: 1, to: 2 });
    assert.deepEqual(setChannelsCommand(a!), ['ethtool', '-L', 'eth0', 'combined', '2']);
    const b = channelTarget('eth1', parsed('guide-eth1.txt'), null);
    assert.deepEqual(setChannelsCommand(b!), ['ethtool', '-L', 'eth1', 'combined', '4']);
  });

  it('caps at tuning.maxChannels, and never lowers', () => {
    const info = parsed('combined-64q.txt'); // current 8, max 64
    assert.equal(channelTarget('eth2', info, null)?.to, 64);
    assert.equal(channelTarget('eth2', info, 16)?.to, 16);
    assert.equal(channelTarget('eth2', info, 8), null);
    assert.equal(channelTarget('eth2', info, 4), null, 'a cap below the current count does not lower it');
  });

  it('does nothing at the maximum', () => {
    assert.equal(channelTarget('eth0', parsed('virtio-net-host-1q.txt'), null), null);
    assert.equal(channelTarget('v0', parsed('veth-4q.txt'), null), null);
  });

  it('uses rx/tx for devices without combined channels (veth rejects combined)', () => {
    const a = channelTarget('v0', parsed('veth-lowered-1.txt'), null);
    assert.deepEqual(a, { kind: 'set-channels', ifname: 'v0', shape: 'rx-tx', from: 1, to: 4, fromTx: 1, toTx: 4 });
    assert.deepEqual(setChannelsCommand(a!), ['ethtool', '-L', 'v0', 'rx', '4', 'tx', '4']);
    assert.match(fixture('veth-set-combined-error.txt'), /exceeds maximum/);
  });

  it('handles uneven RX/TX maxima and caps', () => {
    const info = parsed('rxtx-uneven.txt'); // max 8/4, current 2/2
    assert.deepEqual(setChannelsCommand(channelTarget('eth3', info, null)!), ['ethtool', '-L', 'eth3', 'rx', '8', 'tx', '4']);
    assert.deepEqual(setChannelsCommand(channelTarget('eth3', info, 3)!), ['ethtool', '-L', 'eth3', 'rx', '3', 'tx', '3']);
    assert.equal(channelTarget('eth3', info, 2), null);
  });

  it('predicts the RX queue count after a change', () => {
    assert.equal(rxQueuesAfter(1, channelTarget('eth1', parsed('guide-eth1.txt'), null)), 4);
    assert.equal(rxQueuesAfter(8, channelTarget('eth2', parsed('combined-64q.txt'), 16)), 16);
    assert.equal(rxQueuesAfter(3, null), 3);
  });
});
