// The metadata client: token handling (auto | required | off), bounded retries, per-request
// timeouts, a size cap, and an overall deadline for a snapshot. It counts every HTTP request it
// sends (`requestCount`) because the benchmark reports it.

import http from 'node:http';
import type { Config } from '../config/config.js';
import type { Logger } from '../log.js';
import type { MetadataSnapshot } from '../model/types.js';
import { MetadataError } from './errors.js';
import { type HttpAnswer, httpExchange } from './http.js';
import { type BackoffPolicy, maxTotalBackoff, withRetries } from './retry.js';
import { readSnapshot } from './snapshot.js';
import { MemoryTokenStore, type StoredToken, type TokenStore, isUsableToken } from './token.js';

export const DEFAULT_ENDPOINT = 'http://100.100.100.200';
export const TOKEN_PATH = '/latest/api/token';
export const TOKEN_HEADER = 'X-aliyun-ecs-metadata-token';
export const TOKEN_TTL_HEADER = 'X-aliyun-ecs-metadata-token-ttl-seconds';

export type TokenMode = 'auto' | 'required' | 'off';

export interface MetadataClientOptions {
  endpoint?: string;
  token?: TokenMode;
  timeoutMs?: number;
  retries?: number;
  tokenTtlSeconds?: number;
  maxResponseBytes?: number;
  /** Give up on a whole snapshot after this long. Default: sized from timeout, retries, backoff. */
  deadlineMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Crawl requests in flight at once. */
  concurrency?: number;
  tokenStore?: TokenStore;
  logger?: Logger;
  /** Injectable for tests: jitter source and clock. */
  random?: () => number;
  now?: () => number;
}

interface RequestOptions {
  signal?: AbortSignal;
}

export class MetadataClient {
  readonly endpoint: string;
  readonly tokenMode: TokenMode;
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly #ttlSeconds: number;
  readonly #maxBytes: number;
  readonly #concurrency: number;
  readonly #policy: BackoffPolicy;
  readonly #store: TokenStore;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  #requestCount = 0;
  /** Private field so the token never shows up when the client is inspected or serialised. */
  #token: StoredToken | undefined;
  #storeLoaded = false;
  /** Auto mode learned that this service has no token endpoint. */
  #tokenUnsupported = false;
  #tokenInFlight: Promise<string | undefined> | undefined;

  constructor(options: MetadataClientOptions = {}) {
    this.endpoint = normaliseEndpoint(options.endpoint ?? DEFAULT_ENDPOINT);
    this.tokenMode = options.token ?? 'auto';
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.#ttlSeconds = options.tokenTtlSeconds ?? 21600;
    this.#maxBytes = options.maxResponseBytes ?? 1024 * 1024;
    this.#concurrency = options.concurrency ?? 4;
    this.#policy = {
      retries: options.retries ?? 3,
      baseMs: options.backoffBaseMs ?? 100,
      maxMs: options.backoffMaxMs ?? 2000,
      random: options.random ?? Math.random,
    };
    // Room for a few requests to each use up their retries; capped so a daemon never stalls long.
    const perRequest = this.timeoutMs * (this.#policy.retries + 1) + maxTotalBackoff(this.#policy);
    this.deadlineMs = options.deadlineMs ?? Math.min(120_000, Math.max(10_000, 3 * perRequest));
    this.#store = options.tokenStore ?? new MemoryTokenStore();
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  static fromConfig(
    metadata: Config['metadata'],
    extra: Omit<MetadataClientOptions, 'endpoint' | 'token' | 'timeoutMs' | 'retries' | 'tokenTtlSeconds' | 'maxResponseBytes'> & {
      endpoint?: string;
    } = {},
  ): MetadataClient {
    return new MetadataClient({
      ...extra,
      endpoint: extra.endpoint ?? metadata.endpoint,
      token: metadata.token,
      timeoutMs: metadata.timeoutMs,
      retries: metadata.retries,
      tokenTtlSeconds: metadata.tokenTtlSeconds,
      maxResponseBytes: metadata.maxResponseBytes,
    });
  }

  /** HTTP requests sent so far, token PUTs and retries included. */
  get requestCount(): number {
    return this.#requestCount;
  }

  /** The whole NIC picture, bounded by `deadlineMs`. Throws MetadataError; never partial. */
  async fetchSnapshot(): Promise<MetadataSnapshot> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new MetadataError('timeout', `metadata snapshot did not finish within ${this.deadlineMs} ms`)),
      this.deadlineMs,
    );
    try {
      return await readSnapshot(this, { signal: controller.signal, concurrency: this.#concurrency });
    } finally {
      clearTimeout(timer);
    }
  }

  /** GET a metadata path; a 404 throws (kind `http`, status 404). */
  async get(path: string, options: RequestOptions = {}): Promise<string> {
    const value = await this.getOptional(path, options);
    if (value === undefined) throw new MetadataError('http', `metadata ${path} answered 404`, { status: 404, path });
    return value;
  }

  /** GET a metadata path; `undefined` only for 404 (the item does not exist, or not yet). */
  async getOptional(path: string, options: RequestOptions = {}): Promise<string | undefined> {
    const { signal } = options;
    let token = await this.#tokenForRequest(signal);
    let answer = await this.#send('GET', path, token === undefined ? {} : { [TOKEN_HEADER]: token }, signal);
    if (answer.status === 401 || (answer.status === 403 && token === undefined)) {
      // 401: the token expired or was revoked. 403 without a token: the instance demands one.
      if (this.tokenMode === 'off') {
        throw new MetadataError('token', `metadata ${path} answered ${answer.status} and metadata.token is off`, { status: answer.status, path });
      }
      this.#logger?.debug('metadata token refused, getting a new one', { path, status: answer.status });
      token = await this.#refreshToken(token, signal);
      answer = await this.#send('GET', path, { [TOKEN_HEADER]: token }, signal);
      if (answer.status === 401 || answer.status === 403) {
        throw new MetadataError('token', `metadata ${path} refused a fresh token (HTTP ${answer.status})`, { status: answer.status, path });
      }
    }
    if (answer.status === 200) return answer.body;
    if (answer.status === 404) return undefined;
    throw new MetadataError('http', `metadata ${path} answered HTTP ${answer.status}`, { status: answer.status, path });
  }

  /** Drop idle keep-alive connections (they never keep the process alive anyway). */
  close(): void {
    this.#agent.destroy();
  }

  /** One request with retries; 429 and 5xx become retryable errors, other statuses return. */
  #send(method: 'GET' | 'PUT', path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<HttpAnswer> {
    const url = new URL(this.endpoint + path);
    return withRetries(
      this.#policy,
      async () => {
        this.#requestCount++;
        const answer = await httpExchange({
          url,
          method,
          headers: method === 'PUT' ? { ...headers, 'Content-Length': '0' } : headers,
          timeoutMs: this.timeoutMs,
          maxBytes: this.#maxBytes,
          agent: this.#agent,
          signal,
        });
        if (answer.status === 429) throw new MetadataError('throttled', `metadata ${path} answered 429 (throttled)`, { status: 429, path });
        if (answer.status >= 500) throw new MetadataError('http', `metadata ${path} answered HTTP ${answer.status}`, { status: answer.status, path });
        return answer;
      },
      signal,
      (error, attempt, delayMs) => this.#logger?.debug('metadata request failed, retrying', { path, kind: error.kind, attempt, delayMs }),
    );
  }

  /** The token to send, or undefined for a plain GET (mode off, or auto without a token endpoint). */
  async #tokenForRequest(signal?: AbortSignal): Promise<string | undefined> {
    if (this.tokenMode === 'off') return undefined;
    const cached = await this.#cachedToken();
    if (cached !== undefined) return cached;
    if (this.tokenMode === 'auto' && this.#tokenUnsupported) return undefined;
    return this.#singleFlight(() => this.#fetchToken(this.tokenMode === 'required', signal));
  }

  /** A new token after `stale` was refused; concurrent refusals share one PUT. */
  async #refreshToken(stale: string | undefined, signal?: AbortSignal): Promise<string> {
    const current = await this.#cachedToken();
    if (current !== undefined && current !== stale) return current;
    if (current !== undefined) {
      this.#token = undefined;
      await this.#store.clear().catch(() => undefined);
    }
    const token = await this.#singleFlight(() => this.#fetchToken(true, signal));
    // fetchToken(true) never resolves without a token; this guards the type.
    if (token === undefined) throw new MetadataError('token', 'no metadata token', { path: TOKEN_PATH });
    return token;
  }

  #singleFlight(fetch: () => Promise<string | undefined>): Promise<string | undefined> {
    this.#tokenInFlight ??= fetch().finally(() => {
      this.#tokenInFlight = undefined;
    });
    return this.#tokenInFlight;
  }

  async #cachedToken(): Promise<string | undefined> {
    if (!this.#storeLoaded) {
      this.#storeLoaded = true;
      const stored = await this.#store.load().catch(() => undefined);
      if (stored && stored.endpoint === this.endpoint) this.#token = stored;
    }
    if (this.#token && this.#now() < this.#token.reuseUntil) return this.#token.token;
    return undefined;
  }

  /** PUT the token endpoint. Without `mustHave`, a 4xx means "no token endpoint": plain GETs. */
  async #fetchToken(mustHave: boolean, signal?: AbortSignal): Promise<string | undefined> {
    const issuedAt = this.#now();
    const answer = await this.#send('PUT', TOKEN_PATH, { [TOKEN_TTL_HEADER]: String(this.#ttlSeconds) }, signal);
    if (answer.status === 200) {
      const token = answer.body.trim();
      if (!isUsableToken(token)) throw new MetadataError('token', 'the token endpoint answered something that is not a token', { path: TOKEN_PATH });
      this.#token = { token, reuseUntil: issuedAt + (this.#ttlSeconds * 1000) / 2, endpoint: this.endpoint };
      this.#tokenUnsupported = false;
      await this.#store.save(this.#token).catch((error: unknown) => {
        this.#logger?.warn('cannot store the metadata token; it will be fetched again next run', { error: (error as Error).message });
      });
      return token;
    }
    if (mustHave) {
      throw new MetadataError('token', `no metadata token: the token endpoint answered HTTP ${answer.status}`, { status: answer.status, path: TOKEN_PATH });
    }
    this.#tokenUnsupported = true;
    this.#logger?.debug('metadata token endpoint unavailable, using plain requests', { status: answer.status });
    return undefined;
  }
}

function normaliseEndpoint(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:') throw new TypeError(`metadata endpoint must be an http:// URL: ${JSON.stringify(endpoint)}`);
  if (url.search || url.hash || url.username || url.password) throw new TypeError(`metadata endpoint must be a plain base URL: ${JSON.stringify(endpoint)}`);
  return url.href.replace(/\/+$/, '');
}
