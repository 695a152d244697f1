// Last-known-good snapshot cache and the file token store: round trips, atomic 0600 files,
// and rejection of corrupt or tampered files.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotCacheError, loadSnapshotCache, saveSnapshotCache, snapshotCachePath } from '../../src/metadata/cache.js';
import { FileTokenStore, tokenFilePath } from '../../src/metadata/token.js';
import { MetadataClient } from '../../src/metadata/client.js';
import type { MetadataSnapshot } from '../../src/model/types.js';
import { startFakeImds } from '../testbed/fake-imds.js';

const SNAPSHOT: MetadataSnapshot = {
  primaryMac: '00:16:3e:0a:00:0a',
  nics: [
    { mac: '00:16:3e:0a:00:0a', eniId: 'eni-bp1primary000000001', primaryIp: '10.0.0.10', prefixLength: 24, gateway: '10.0.0.253', vswitchCidr: '10.0.0.0/24', privateIpv4s: ['10.0.0.10'], ipv6s: [] },
    { mac: '00:16:3e:0a:00:0b', primaryIp: '10.0.0.11', privateIpv4s: ['10.0.0.11', '10.0.0.21'], ipv6s: ['2408:4005::1'], ipv6Gateway: '2408:4005::fffd' },
  ],
  rejected: [{ mac: '00:16:3e:0a:00:0d', reason: 'netmask is not a contiguous netmask: "255.0.255.0"' }],
  source: 'all',
};

describe('metadata snapshot cache', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eni-agent-meta-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round trip: same NICs back, marked as from the cache, with the save time', async () => {
    const savedAt = new Date('2025-01-02T03:04:05.000Z');
    await saveSnapshotCache(join(dir, 'state'), SNAPSHOT, savedAt);
    const loaded = await loadSnapshotCache(join(dir, 'state'));
    assert.deepEqual(loaded, { snapshot: { ...SNAPSHOT, source: 'cache' }, savedAt });
    assert.equal((await stat(snapshotCachePath(join(dir, 'state')))).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(join(dir, 'state')), ['metadata-snapshot.json'], 'no temp files left behind');
  });

  it('no cache file → undefined', async () => {
    assert.equal(await loadSnapshotCache(dir), undefined);
  });

  const corruptions: Array<[string, (cache: Record<string, unknown>) => unknown]> = [
    ['truncated JSON', () => '{"version":1,'],
    ['wrong version', (c) => ({ ...c, version: 99 })],
    ['bad savedAt', (c) => ({ ...c, savedAt: 'yesterday' })],
    ['a hostile gateway', (c) => withNic(c, { gateway: '10.0.0.253; reboot' })],
    ['a bad MAC', (c) => withNic(c, { mac: 'zz' })],
    ['a prefix length of 33', (c) => withNic(c, { prefixLength: 33 })],
    ['an unknown NIC field', (c) => withNic(c, { script: 'reboot' })],
    ['nics not a list', (c) => ({ ...c, snapshot: { ...(c['snapshot'] as object), nics: {} } })],
  ];
  for (const [name, corrupt] of corruptions) {
    it(`rejects a cache with ${name}`, async () => {
      await saveSnapshotCache(dir, SNAPSHOT);
      const file = snapshotCachePath(dir);
      const cache = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      const changed = corrupt(cache);
      await writeFile(file, typeof changed === 'string' ? changed : JSON.stringify(changed));
      await assert.rejects(loadSnapshotCache(dir), (error: unknown) => error instanceof SnapshotCacheError && error.message.includes(file));
    });
  }
});

function withNic(cache: Record<string, unknown>, change: Record<string, unknown>): unknown {
  const snapshot = cache['snapshot'] as MetadataSnapshot;
  return { ...cache, snapshot: { ...snapshot, nics: [{ ...snapshot.nics[0], ...change }] } };
}

describe('file token store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eni-agent-token-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the client keeps its token in a 0600 file that the next run reuses', async () => {
    const fake = await startFakeImds({ meta: { mac: '00:16:3e:0a:00:0a' }, token: 'required' });
    try {
      const file = tokenFilePath(join(dir, 'state'));
      const first = new MetadataClient({ endpoint: fake.url, tokenStore: new FileTokenStore(file) });
      assert.equal(await first.get('/latest/meta-data/mac'), '00:16:3e:0a:00:0a');
      first.close();
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const stored = JSON.parse(await readFile(file, 'utf8')) as { token: string; endpoint: string };
      assert.equal(stored.token, fake.issuedTokens[0]);
      assert.equal(stored.endpoint, fake.url);
      const second = new MetadataClient({ endpoint: fake.url, tokenStore: new FileTokenStore(file) });
      assert.equal(await second.get('/latest/meta-data/mac'), '00:16:3e:0a:00:0a');
      second.close();
      assert.equal(fake.count('PUT'), 1, 'the second run reused the stored token');
    } finally {
      await fake.stop();
    }
  });

  it('ignores a token file readable by others, a corrupt file, or a token with a newline', async () => {
    const file = join(dir, 'token.json');
    const store = new FileTokenStore(file);
    await store.save({ token: 'abc', reuseUntil: Date.now() + 60_000, endpoint: 'http://127.0.0.1:1' });
    assert.equal((await store.load())?.token, 'abc');
    await chmod(file, 0o644);
    assert.equal(await store.load(), undefined);
    await writeFile(file, '{oops', { mode: 0o600 });
    await chmod(file, 0o600);
    assert.equal(await store.load(), undefined);
    await writeFile(file, JSON.stringify({ token: 'a\nb', reuseUntil: Date.now() + 60_000, endpoint: 'x' }));
    assert.equal(await store.load(), undefined);
    await store.clear();
    await store.clear(); // idempotent
    assert.equal(await store.load(), undefined);
  });
});
