// The metadata client against a real HTTP fake (127.0.0.1, ephemeral port): token modes,
// token reuse, re-token on 401, retries on 429/5xx, timeouts, size cap, request counts.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../../src/config/config.js';
import { MetadataClient, type MetadataClientOptions } from '../../src/metadata/client.js';
import { MetadataError } from '../../src/metadata/errors.js';
import { MemoryTokenStore } from '../../src/metadata/token.js';
import { FakeImds, type FakeImdsScenario, startFakeImds } from '../testbed/fake-imds.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/metadata/', import.meta.url));
const threeNic = JSON.parse(readFileSync(`${fixtures}three-nic.json`, 'utf8')) as Record<string, unknown>;

describe('metadata client', function () {
  this.timeout(20_000);
  let fake: FakeImds | undefined;
  let client: MetadataClient | undefined;

  async function setup(scenario: Partial<FakeImdsScenario>, options: MetadataClientOptions = {}): Promise<{ fake: FakeImds; client: MetadataClient }> {
    fake = await startFakeImds({ meta: threeNic, token: 'optional', all: true, fault: null, ...scenario });
    // Tiny backoffs keep the tests fast; the jitter maths is tested on its own.
    client = new MetadataClient({ endpoint: fake.url, timeoutMs: 500, retries: 2, backoffBaseMs: 5, backoffMaxMs: 20, ...options });
    return { fake, client };
  }

  afterEach(async () => {
    client?.close();
    await fake?.stop();
    fake = undefined;
    client = undefined;
  });

  async function rejectsWith(promise: Promise<unknown>, kind: MetadataError['kind']): Promise<MetadataError> {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof MetadataError, `expected a MetadataError, got ${String(error)}`);
      assert.equal(error.kind, kind, error.message);
      return error;
    }
    assert.fail(`expected a MetadataError of kind ${kind}`);
  }

  describe('token modes', () => {
    it('auto: gets a token and sends it on every GET', async () => {
      const { fake, client } = await setup({ token: 'required' });
      assert.equal(await client.get('/latest/meta-data/mac'), '00:16:3e:0a:00:0a');
      assert.equal(await client.get('/latest/meta-data/instance-id'), 'i-bp1eniagenttest0001');
      assert.deepEqual(
        fake.requests.map((r) => [r.method, r.path, r.withToken, r.status]),
        [
          ['PUT', '/latest/api/token', false, 200],
          ['GET', '/latest/meta-data/mac', true, 200],
          ['GET', '/latest/meta-data/instance-id', true, 200],
        ],
      );
      assert.equal(client.requestCount, 3);
    });

    it('auto without a token endpoint: plain GETs, and no second PUT', async () => {
      const { fake, client } = await setup({ token: 'off' });
      assert.equal(await client.get('/latest/meta-data/mac'), '00:16:3e:0a:00:0a');
      assert.equal(await client.get('/latest/meta-data/region-id'), 'cn-hangzhou');
      assert.deepEqual(
        fake.requests.map((r) => [r.method, r.status, r.withToken]),
        [
          ['PUT', 404, false],
          ['GET', 200, false],
          ['GET', 200, false],
        ],
      );
    });

    it('required without a token endpoint: a token error, no GET sent', async () => {
      const { fake, client } = await setup({ token: 'off' }, { token: 'required' });
      const error = await rejectsWith(client.get('/latest/meta-data/mac'), 'token');
      assert.equal(error.status, 404);
      assert.equal(fake.count('GET'), 0);
    });

    it('off: never PUTs', async () => {
      const { fake, client } = await setup({ token: 'optional' }, { token: 'off' });
      await client.fetchSnapshot();
      assert.equal(fake.count('PUT'), 0);
      assert.ok(fake.requests.every((r) => !r.withToken));
    });

    it('off against a service that requires tokens: a token error, not an empty answer', async () => {
      const { client } = await setup({ token: 'required' }, { token: 'off' });
      const error = await rejectsWith(client.get('/latest/meta-data/mac'), 'token');
      assert.equal(error.status, 403);
    });

    it('auto: a 403 on a plain GET means tokens are required: get one and retry', async () => {
      const { fake, client } = await setup({ token: 'off' });
      assert.equal(await client.get('/latest/meta-data/mac'), '00:16:3e:0a:00:0a'); // learns "no token endpoint"
      // The operator hardens the instance: tokens become mandatory.
      fake.setScenario({ meta: threeNic, token: 'required' });
      assert.equal(await client.get('/latest/meta-data/region-id'), 'cn-hangzhou');
      assert.deepEqual(
        fake.requests.slice(2).map((r) => [r.method, r.path, r.status]),
        [
          ['GET', '/latest/meta-data/region-id', 403],
          ['PUT', '/latest/api/token', 200],
          ['GET', '/latest/meta-data/region-id', 200],
        ],
      );
    });

    it('reuses one token across requests and clients sharing a store, until half its TTL', async () => {
      let now = 1_000_000;
      const store = new MemoryTokenStore();
      const { fake } = await setup({ token: 'required' }, { tokenStore: store, tokenTtlSeconds: 60, now: () => now });
      const a = client!;
      await a.get('/latest/meta-data/mac');
      await a.get('/latest/meta-data/mac');
      const b = new MetadataClient({ endpoint: fake.url, tokenStore: store, tokenTtlSeconds: 60, now: () => now });
      await b.get('/latest/meta-data/mac');
      assert.equal(fake.count('PUT'), 1, 'second client reuses the stored token');
      now += 29_000;
      await b.get('/latest/meta-data/mac');
      assert.equal(fake.count('PUT'), 1, 'still within half the TTL');
      now += 2_000;
      await b.get('/latest/meta-data/mac');
      assert.equal(fake.count('PUT'), 2, 'past half the TTL: a new token');
      b.close();
    });

    it('sends the configured TTL; the fake rejects a TTL out of 1..21600', async () => {
      const { fake, client } = await setup({ token: 'required' }, { token: 'required', tokenTtlSeconds: 21601 });
      const error = await rejectsWith(client.get('/latest/meta-data/mac'), 'token');
      assert.equal(error.status, 400);
      assert.equal(fake.count('PUT'), 1);
    });

    it('401 → a new token and exactly one retry', async () => {
      const { fake, client } = await setup({ token: 'required' });
      await client.get('/latest/meta-data/mac');
      fake.expireTokens();
      assert.equal(await client.get('/latest/meta-data/region-id'), 'cn-hangzhou');
      assert.deepEqual(
        fake.requests.map((r) => [r.method, r.status]),
        [
          ['PUT', 200],
          ['GET', 200],
          ['GET', 401],
          ['PUT', 200],
          ['GET', 200],
        ],
      );
    });

    it('expired-token fault once → heals after one re-token', async () => {
      const { fake, client } = await setup({ token: 'required', fault: { kind: 'expired-token', count: 1 } });
      assert.equal(await client.get('/latest/meta-data/mac'), '00:16:3e:0a:00:0a');
      assert.deepEqual(fake.requests.map((r) => r.status), [200, 401, 200, 200]);
    });

    it('a token refused twice is a token error (only one retry)', async () => {
      const { fake, client } = await setup({ token: 'required', fault: { kind: 'expired-token' } });
      const error = await rejectsWith(client.get('/latest/meta-data/mac'), 'token');
      assert.equal(error.status, 401);
      assert.equal(fake.count('GET'), 2);
      assert.equal(fake.count('PUT'), 2);
    });

    it('never puts the token in an error message or in the serialised client', async () => {
      const { fake, client } = await setup({ token: 'required', fault: { kind: 'expired-token' } });
      const error = await rejectsWith(client.get('/latest/meta-data/mac'), 'token');
      const text = `${error.message} ${error.stack ?? ''} ${JSON.stringify(error)} ${JSON.stringify(client)}`;
      assert.equal(fake.issuedTokens.length, 2);
      for (const token of fake.issuedTokens) assert.ok(!text.includes(token), text);
    });
  });

  describe('retries and faults', () => {
    it('500 twice then healthy → success after retries', async () => {
      const { fake, client } = await setup({ token: 'off', fault: { kind: '500', count: 2 } }, { token: 'off' });
      assert.equal(await client.get('/latest/meta-data/mac'), '00:16:3e:0a:00:0a');
      assert.deepEqual(fake.requests.map((r) => r.status), [500, 500, 200]);
      assert.equal(client.requestCount, 3);
    });

    it('429 then healthy → success; the token PUT is retried too', async () => {
      const { fake, client } = await setup({ token: 'required', fault: { kind: '429', count: 2 } });
      assert.equal(await client.get('/latest/meta-data/mac'), '00:16:3e:0a:00:0a');
      assert.deepEqual(
        fake.requests.map((r) => [r.method, r.status]),
        [
          ['PUT', 429],
          ['PUT', 429],
          ['PUT', 200],
          ['GET', 200],
        ],
      );
    });

    it('persistent 500 → a typed http error after retries+1 attempts', async () => {
      const { fake, client } = await setup({ token: 'off', fault: { kind: '500' } }, { token: 'off' });
      const error = await rejectsWith(client.fetchSnapshot(), 'http');
      assert.equal(error.status, 500);
      assert.equal(fake.count(), 3);
    });

    it('persistent 429 → a typed throttled error', async () => {
      const { client } = await setup({ token: 'off', fault: { kind: '429' } }, { token: 'off' });
      await rejectsWith(client.get('/latest/meta-data/mac'), 'throttled');
    });

    it('hang → a timeout error within a bounded time', async () => {
      const { fake, client } = await setup({ fault: { kind: 'hang' } }, { timeoutMs: 200, retries: 2, backoffBaseMs: 100, backoffMaxMs: 1000 });
      const started = Date.now();
      await rejectsWith(client.fetchSnapshot(), 'timeout');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 600, `three 200 ms attempts cannot finish in ${elapsed} ms`);
      assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
      assert.equal(fake.count(), 3);
    });

    it('the overall deadline caps a snapshot whose every request is slow', async () => {
      // Each answer takes 150 ms (under the 300 ms timeout); a 26-request crawl would take ~4 s.
      const { client } = await setup({ all: false, fault: { kind: 'slow', delayMs: 150 } }, { timeoutMs: 300, deadlineMs: 1000, concurrency: 1 });
      const started = Date.now();
      const error = await rejectsWith(client.fetchSnapshot(), 'timeout');
      assert.match(error.message, /within 1000 ms/);
      assert.ok(Date.now() - started < 2000);
    });

    it('slow but within the timeout → success', async () => {
      const { client } = await setup({ fault: { kind: 'slow', delayMs: 100, count: 2 } }, { timeoutMs: 1000 });
      const snapshot = await client.fetchSnapshot();
      assert.equal(snapshot.nics.length, 3);
    });

    it('connection refused → unreachable after retries', async () => {
      const started = await setup({});
      const url = started.fake.url;
      await started.fake.stop();
      fake = undefined;
      const lone = new MetadataClient({ endpoint: url, retries: 1, backoffBaseMs: 5 });
      await rejectsWith(lone.get('/latest/meta-data/mac'), 'unreachable');
      assert.equal(lone.requestCount, 2);
    });

    it('an answer over maxResponseBytes is a too-large error, not retried', async () => {
      const big = { ...threeNic, 'user-data': 'x'.repeat(5000) };
      const { fake, client } = await setup({ meta: big, token: 'off' }, { token: 'off', maxResponseBytes: 2048 });
      await rejectsWith(client.fetchSnapshot(), 'too-large');
      assert.equal(fake.count('GET', '/latest/meta-data/all'), 1);
      // A small item from the same service is fine.
      assert.equal(await client.get('/latest/meta-data/mac'), '00:16:3e:0a:00:0a');
    });

    it('never sends X-Forwarded-For (the fake answers 403 to it)', async () => {
      const { fake, client } = await setup({ token: 'required' });
      await client.fetchSnapshot();
      assert.ok(fake.requests.every((r) => r.status === 200));
    });
  });

  describe('configuration', () => {
    it('fromConfig takes the metadata section; --metadata-url overrides the endpoint', async () => {
      const { fake } = await setup({ token: 'required' });
      const fromConfig = MetadataClient.fromConfig({ ...defaultConfig().metadata, timeoutMs: 300 }, { endpoint: fake.url });
      assert.equal(fromConfig.endpoint, fake.url);
      assert.equal(fromConfig.tokenMode, 'auto');
      assert.equal(fromConfig.timeoutMs, 300);
      assert.equal((await fromConfig.fetchSnapshot()).nics.length, 3);
      fromConfig.close();
      assert.equal(MetadataClient.fromConfig(defaultConfig().metadata).endpoint, 'http://100.100.100.200');
    });

    it('rejects an endpoint that is not a plain http:// base URL', () => {
      assert.throws(() => new MetadataClient({ endpoint: 'https://100.100.100.200' }), TypeError);
      assert.throws(() => new MetadataClient({ endpoint: 'http://100.100.100.200/?x=1' }), TypeError);
      assert.equal(new MetadataClient({ endpoint: 'http://127.0.0.1:8080/' }).endpoint, 'http://127.0.0.1:8080');
    });

    it('the default snapshot deadline is bounded', () => {
      const c = new MetadataClient();
      assert.ok(c.deadlineMs >= 10_000 && c.deadlineMs <= 120_000, String(c.deadlineMs));
    });
  });

  describe('request counts', () => {
    it('/all with a token endpoint: one PUT and one GET', async () => {
      const { fake, client } = await setup({ token: 'optional' });
      const snapshot = await client.fetchSnapshot();
      assert.equal(snapshot.source, 'all');
      assert.equal(client.requestCount, 2);
      assert.deepEqual(fake.requests.map((r) => `${r.method} ${r.path}`), ['PUT /latest/api/token', 'GET /latest/meta-data/all']);
    });

    it('crawl of 3 NICs: token + mac + listing + 8 items per NIC', async () => {
      const { client } = await setup({ all: false });
      const snapshot = await client.fetchSnapshot();
      assert.equal(snapshot.source, 'crawl');
      assert.equal(client.requestCount, 1 + 1 + 1 + 1 + 3 * 8); // PUT, /all 404, mac, listing, items
    });
  });
});
