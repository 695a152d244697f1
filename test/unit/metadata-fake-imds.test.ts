// The fake metadata service itself: the formats it serves, the token protocol, the scenario
// file re-read per request, the request log, and the standalone entry the netns testbed starts.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MetadataClient } from '../../src/metadata/client.js';
import { type FakeImds, type FakeImdsScenario, startFakeImds } from '../testbed/fake-imds.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/metadata/', import.meta.url));
const mainJs = fileURLToPath(new URL('../testbed/fake-imds-main.js', import.meta.url));

async function loadMeta(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(`${fixtures}${name}`, 'utf8')) as Record<string, unknown>;
}

/** A raw request, so the tests see exactly what the fake answers. */
function request(url: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function writeAtomically(file: string, scenario: FakeImdsScenario): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(scenario));
  await rename(`${file}.tmp`, file);
}

describe('fake metadata service', function () {
  this.timeout(20_000);
  let fake: FakeImds | undefined;
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eni-agent-fake-imds-'));
  });
  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('serves listings, JSON private-ipv4s, bracket ipv6s and 404s like the real service', async () => {
    fake = await startFakeImds({ meta: await loadMeta('three-nic.json'), token: 'optional' });
    const macs = '/latest/meta-data/network/interfaces/macs';
    assert.deepEqual(await request(fake.url, 'GET', `${macs}/`), { status: 200, body: '00:16:3e:0a:00:0a/\n00:16:3e:0a:00:0b/\n00:16:3e:0a:00:0c/' });
    assert.deepEqual(await request(fake.url, 'GET', `${macs}/00:16:3e:0a:00:0b/private-ipv4s`), { status: 200, body: '["10.0.0.11","10.0.0.21","10.0.0.22"]' });
    assert.equal((await request(fake.url, 'GET', `${macs}/00:16:3e:0a:00:0c/ipv6s`)).body, '[2408:4005:3de:8500:4fa0:c9ee:dd3:c41b,2408:4005:3de:8500:4fa0:c9ee:dd3:c41c]');
    assert.equal((await request(fake.url, 'GET', `${macs}/00:16:3e:0a:00:0a/ipv6s`)).status, 404);
    assert.equal((await request(fake.url, 'GET', '/2016-01-01/meta-data/mac')).body, '00:16:3e:0a:00:0a');
    const all = await request(fake.url, 'GET', '/2016-01-01/meta-data/all');
    assert.equal((JSON.parse(all.body) as { mac: string }).mac, '00:16:3e:0a:00:0a');
  });

  it('ipv6s given as a list are served in the bracket form', async () => {
    fake = await startFakeImds({ meta: { network: { interfaces: { macs: { '00:16:3e:0a:00:0a': { ipv6s: ['2408:4005::1', '2408:4005::2'] } } } } } });
    assert.equal((await request(fake.url, 'GET', '/latest/meta-data/network/interfaces/macs/00:16:3e:0a:00:0a/ipv6s')).body, '[2408:4005::1,2408:4005::2]');
  });

  it('token protocol: PUT only, TTL 1..21600, 403 without a token and 401 with a bad one when required', async () => {
    fake = await startFakeImds({ meta: { mac: '00:16:3e:0a:00:0a' }, token: 'required' });
    const ttl = 'X-aliyun-ecs-metadata-token-ttl-seconds';
    assert.equal((await request(fake.url, 'GET', '/latest/api/token', { [ttl]: '60' })).status, 405);
    assert.equal((await request(fake.url, 'PUT', '/latest/api/token')).status, 400);
    assert.equal((await request(fake.url, 'PUT', '/latest/api/token', { [ttl]: '0' })).status, 400);
    assert.equal((await request(fake.url, 'PUT', '/latest/api/token', { [ttl]: '21601' })).status, 400);
    const token = (await request(fake.url, 'PUT', '/latest/api/token', { [ttl]: '21600' })).body;
    assert.match(token, /^[A-Za-z0-9_-]{20,}$/);
    assert.equal((await request(fake.url, 'GET', '/latest/meta-data/mac')).status, 403);
    assert.equal((await request(fake.url, 'GET', '/latest/meta-data/mac', { 'X-aliyun-ecs-metadata-token': 'wrong' })).status, 401);
    assert.deepEqual(await request(fake.url, 'GET', '/latest/meta-data/mac', { 'X-aliyun-ecs-metadata-token': token }), { status: 200, body: '00:16:3e:0a:00:0a' });
    assert.equal((await request(fake.url, 'GET', '/latest/meta-data/mac', { 'X-aliyun-ecs-metadata-token': token, 'X-Forwarded-For': '1.2.3.4' })).status, 403);
  });

  it('a token with a 1 s TTL expires', async () => {
    fake = await startFakeImds({ meta: { mac: '00:16:3e:0a:00:0a' }, token: 'required' });
    const token = (await request(fake.url, 'PUT', '/latest/api/token', { 'X-aliyun-ecs-metadata-token-ttl-seconds': '1' })).body;
    assert.equal((await request(fake.url, 'GET', '/latest/meta-data/mac', { 'X-aliyun-ecs-metadata-token': token })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await request(fake.url, 'GET', '/latest/meta-data/mac', { 'X-aliyun-ecs-metadata-token': token })).status, 401);
  });

  it('re-reads the scenario file on every request and logs each request', async () => {
    const scenarioFile = join(dir, 'scenario.json');
    const log = join(dir, 'requests.log');
    const meta = await loadMeta('three-nic.json');
    await writeAtomically(scenarioFile, { meta, token: 'off', all: false });
    fake = await startFakeImds(scenarioFile, log);
    const client = new MetadataClient({ endpoint: fake.url, token: 'off' });
    assert.equal((await client.fetchSnapshot()).nics.length, 3);
    // Detach a NIC: the next snapshot sees two.
    const macs = ((meta['network'] as Record<string, unknown>)['interfaces'] as Record<string, Record<string, unknown>>)['macs']!;
    delete macs['00:16:3e:0a:00:0c'];
    await writeAtomically(scenarioFile, { meta, token: 'off', all: true });
    const after = await client.fetchSnapshot();
    client.close();
    assert.deepEqual(after.nics.map((n) => n.mac), ['00:16:3e:0a:00:0a', '00:16:3e:0a:00:0b']);
    assert.equal(after.source, 'all');
    const lines = (await readFile(log, 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, client.requestCount);
    assert.equal(lines[0], 'GET /latest/meta-data/all 404');
    assert.equal(lines.at(-1), 'GET /latest/meta-data/all 200');
  });

  it('fault counts heal, and a new fault starts counting afresh', async () => {
    fake = await startFakeImds({ meta: { mac: '00:16:3e:0a:00:0a' }, fault: { kind: '500', count: 1 } });
    assert.equal((await request(fake.url, 'GET', '/latest/meta-data/mac')).status, 500);
    assert.equal((await request(fake.url, 'GET', '/latest/meta-data/mac')).status, 200);
    fake.setScenario({ meta: { mac: '00:16:3e:0a:00:0a' }, fault: { kind: '429', count: 1 } });
    assert.equal((await request(fake.url, 'GET', '/latest/meta-data/mac')).status, 429);
    assert.equal((await request(fake.url, 'GET', '/latest/meta-data/mac')).status, 200);
  });

  it('standalone entry: prints `listening <port>`, serves, logs, exits on SIGTERM', async () => {
    const scenarioFile = join(dir, 'scenario.json');
    const log = join(dir, 'requests.log');
    await writeAtomically(scenarioFile, { meta: await loadMeta('aliyun-meta-data-all-g8i-large.json'), token: 'required' });
    const child = spawn(process.execPath, [mainJs, '--listen', '127.0.0.1:0', '--scenario', scenarioFile, '--request-log', log], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /^listening (\d+)\n/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', (code) => reject(new Error(`fake-imds exited ${code}`)));
      });
      const client = new MetadataClient({ endpoint: `http://127.0.0.1:${port}`, token: 'required' });
      const snap = await client.fetchSnapshot();
      client.close();
      assert.equal(snap.primaryMac, '00:16:3e:14:59:58');
      assert.equal((await readFile(log, 'utf8')).trimEnd().split('\n').length, 2);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('standalone entry: usage errors exit 2', async () => {
    const child = spawn(process.execPath, [mainJs, '--listen', '127.0.0.1:0'], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 2);
  });
});
