// A fake Alibaba Cloud metadata service for tests and the netns testbed: real HTTP, the token
// protocol (PUT /latest/api/token, TTL header 1..21600), listings and leaves served the way the
// real service formats them, and fault injection. The scenario is re-read on every request
// (from a file or a getter), so a test changes metadata by rewriting the file atomically.

import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultKind = '500' | '429' | 'hang' | 'garbage' | 'expired-token' | 'slow';

export interface FakeImdsFault {
  kind: FaultKind;
  /** Requests that fail before it heals; absent = forever. */
  count?: number;
  /** For `slow`: how long each answer is delayed (default 1000 ms). */
  delayMs?: number;
  /** Only requests whose path contains this string are hit (and counted). Default: all. */
  pathContains?: string;
}

export interface FakeImdsScenario {
  /** A tree shaped like the /latest/meta-data/all answer. */
  meta: Record<string, unknown>;
  /** required: GETs need a token; optional: tokens accepted, not needed; off: no token endpoint. */
  token?: 'required' | 'optional' | 'off';
  /** false: /latest/meta-data/all and /2016-01-01/meta-data/all answer 404. Default true. */
  all?: boolean;
  fault?: FakeImdsFault | null;
  /**
   * Served by /all instead of `meta` (the crawlable tree). The real /all answer can lack items
   * the tree has (see the published g8i answer); this reproduces that.
   */
  allMeta?: Record<string, unknown>;
}

export interface FakeImdsRequest {
  method: string;
  path: string;
  /** A token header was sent (its value is never recorded). */
  withToken: boolean;
  status: number;
}

export interface FakeImdsOptions {
  /** A scenario object (replaceable with setScenario) or the path of a JSON file re-read per request. */
  scenario: FakeImdsScenario | string;
  /** Append `METHOD PATH STATUS` per request to this file. */
  requestLog?: string;
}

export const GARBAGE_BODY = '}{ not metadata \u0007 <html>oops</html>';
const TOKEN_HEADER = 'x-aliyun-ecs-metadata-token';
const TTL_HEADER = 'x-aliyun-ecs-metadata-token-ttl-seconds';
const META_PREFIXES = ['/latest/meta-data', '/2016-01-01/meta-data'];

export class FakeImds {
  readonly requests: FakeImdsRequest[] = [];
  /** Every token handed out, so tests can prove a token never leaks into logs or errors. */
  readonly issuedTokens: string[] = [];
  #scenario: FakeImdsScenario | string;
  readonly #requestLog: string | undefined;
  readonly #tokens = new Map<string, number>();
  readonly #server: http.Server;
  /** The fault currently counted (by its JSON) and how many requests it has hit. */
  #faultKey = '';
  #faultHits = 0;
  #port = 0;
  #host = '127.0.0.1';

  constructor(options: FakeImdsOptions) {
    this.#scenario = options.scenario;
    this.#requestLog = options.requestLog;
    this.#server = http.createServer((req, res) => this.#handle(req, res));
  }

  /** Listen (port 0 = ephemeral); resolves with the port. */
  async start(host = '127.0.0.1', port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#host = host;
    this.#port = (this.#server.address() as AddressInfo).port;
    return this.#port;
  }

  get url(): string {
    return `http://${this.#host.includes(':') ? `[${this.#host}]` : this.#host}:${this.#port}`;
  }

  /** Replace the in-memory scenario (file-backed servers: rewrite the file instead). */
  setScenario(scenario: FakeImdsScenario): void {
    this.#scenario = scenario;
  }

  /** Invalidate every token issued so far (as if they had all expired). */
  expireTokens(): void {
    this.#tokens.clear();
  }

  /** Count of requests matching method (and path, if given). */
  count(method?: string, path?: string): number {
    return this.requests.filter((r) => (method === undefined || r.method === method) && (path === undefined || r.path === path)).length;
  }

  async stop(): Promise<void> {
    // Hung requests would keep close() waiting forever.
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #loadScenario(): FakeImdsScenario {
    if (typeof this.#scenario !== 'string') return this.#scenario;
    const parsed = JSON.parse(readFileSync(this.#scenario, 'utf8')) as FakeImdsScenario;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.meta !== 'object') throw new Error('scenario needs a "meta" object');
    return parsed;
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = decodeURIComponentSafe(new URL(req.url ?? '/', 'http://imds').pathname);
    const method = req.method ?? 'GET';
    const withToken = req.headers[TOKEN_HEADER] !== undefined;
    const reply = (status: number, body = '', type = 'text/plain'): void => {
      this.#record({ method, path, withToken, status });
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    let scenario: FakeImdsScenario;
    try {
      scenario = this.#loadScenario();
    } catch (error) {
      reply(500, `fake-imds: bad scenario: ${(error as Error).message}\n`);
      return;
    }
    // The real service refuses proxied requests; a client must never send this header.
    if (req.headers['x-forwarded-for'] !== undefined) {
      reply(403, 'X-Forwarded-For is not allowed\n');
      return;
    }
    const fault = this.#takeFault(scenario.fault ?? null, method, path);
    if (fault?.kind === 'hang') {
      this.#record({ method, path, withToken, status: 0 });
      return; // accept, read, never answer
    }
    if (fault?.kind === '500') return reply(500, 'internal error\n');
    if (fault?.kind === '429') return reply(429, 'too many requests\n');
    const answer = (): void => this.#answer(scenario, fault, method, path, req, reply);
    if (fault?.kind === 'slow') setTimeout(answer, fault.delayMs ?? 1000);
    else answer();
  }

  #answer(
    scenario: FakeImdsScenario,
    fault: FakeImdsFault | undefined,
    method: string,
    path: string,
    req: http.IncomingMessage,
    reply: (status: number, body?: string, type?: string) => void,
  ): void {
    const tokenMode = scenario.token ?? 'optional';
    if (path === '/latest/api/token') {
      if (method !== 'PUT') return reply(405, 'method not allowed\n');
      if (tokenMode === 'off') return reply(404, 'not found\n');
      const ttlText = req.headers[TTL_HEADER];
      const ttl = typeof ttlText === 'string' && /^\d{1,5}$/.test(ttlText) ? Number(ttlText) : NaN;
      if (!(ttl >= 1 && ttl <= 21600)) return reply(400, 'bad ttl\n');
      const token = randomBytes(24).toString('base64url');
      this.#tokens.set(token, Date.now() + ttl * 1000);
      this.issuedTokens.push(token);
      return reply(200, token);
    }
    if (method !== 'GET') return reply(405, 'method not allowed\n');
    const sent = req.headers[TOKEN_HEADER];
    const tokenValid = typeof sent === 'string' && (this.#tokens.get(sent) ?? 0) > Date.now();
    if (fault?.kind === 'expired-token') return reply(401, 'token expired\n');
    if (tokenMode !== 'off' && sent !== undefined && !tokenValid) return reply(401, 'invalid token\n');
    if (tokenMode === 'required' && sent === undefined) return reply(403, 'token required\n');

    const prefix = META_PREFIXES.find((p) => path === p || path.startsWith(`${p}/`));
    if (prefix === undefined) return reply(404, 'not found\n');
    const rest = path.slice(prefix.length).replace(/^\/+/, '');
    if (rest === 'all' || rest === 'all/') {
      if (scenario.all === false) return reply(404, 'not found\n');
      if (fault?.kind === 'garbage') return reply(200, GARBAGE_BODY);
      return reply(200, JSON.stringify(scenario.allMeta ?? scenario.meta), 'application/json');
    }
    if (fault?.kind === 'garbage') return reply(200, GARBAGE_BODY);
    const node = lookup(scenario.meta, rest.replace(/\/+$/, ''));
    if (node === undefined) return reply(404, 'not found\n');
    const key = rest.replace(/\/+$/, '').split('/').pop() ?? '';
    return reply(200, render(node, key));
  }

  /** The fault that applies to this request, counting it; undefined once healed. */
  #takeFault(fault: FakeImdsFault | null, method: string, path: string): FakeImdsFault | undefined {
    const key = JSON.stringify(fault);
    if (key !== this.#faultKey) {
      this.#faultKey = key;
      this.#faultHits = 0;
    }
    if (fault === null) return undefined;
    // garbage and expired-token are about GET answers; the other faults hit every request.
    if ((fault.kind === 'garbage' || fault.kind === 'expired-token') && method !== 'GET') return undefined;
    if (fault.pathContains !== undefined && !path.includes(fault.pathContains)) return undefined;
    if (fault.count !== undefined && this.#faultHits >= fault.count) return undefined;
    this.#faultHits++;
    return fault;
  }

  #record(entry: FakeImdsRequest): void {
    this.requests.push(entry);
    if (this.#requestLog !== undefined) appendFileSync(this.#requestLog, `${entry.method} ${entry.path} ${entry.status}\n`);
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Walk the tree by path segments; keys may contain `:` (MACs) but never `/`. */
function lookup(tree: unknown, rest: string): unknown {
  let node: unknown = tree;
  for (const segment of rest === '' ? [] : rest.split('/')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** A directory as a listing (subdirectories end in `/`), a leaf as the real service writes it. */
function render(node: unknown, key: string): string {
  if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
    return Object.entries(node)
      .map(([name, child]) => (typeof child === 'object' && child !== null && !Array.isArray(child) ? `${name}/` : name))
      .join('\n');
  }
  if (Array.isArray(node)) {
    // ipv6s is not JSON on the real service: [2408:4005::1,2408:4005::2]
    return key.endsWith('ipv6s') ? `[${node.map(String).join(',')}]` : JSON.stringify(node);
  }
  return String(node);
}

/** Start a fake on 127.0.0.1 with an ephemeral port (what unit tests want). */
export async function startFakeImds(scenario: FakeImdsScenario | string, requestLog?: string): Promise<FakeImds> {
  const fake = new FakeImds({ scenario, ...(requestLog === undefined ? {} : { requestLog }) });
  await fake.start('127.0.0.1', 0);
  return fake;
}
