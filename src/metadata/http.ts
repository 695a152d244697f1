// One HTTP exchange with the metadata service over node:http: a hard per-request timeout that
// covers connect, headers and body, a body size cap, strict UTF-8, and an abort signal for the
// caller's overall deadline. No retries here (see retry.ts) and no headers beyond the caller's,
// so nothing like X-Forwarded-For can ever be sent.

import http from 'node:http';
import { MetadataError } from './errors.js';

export interface HttpExchange {
  url: URL;
  method: 'GET' | 'PUT';
  headers: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  agent?: http.Agent;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export function httpExchange(ex: HttpExchange): Promise<HttpAnswer> {
  const path = ex.url.pathname;
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      const reason: unknown = ex.signal?.reason;
      fail(reason instanceof MetadataError ? reason : new MetadataError('timeout', `metadata request ${path} aborted`, { path }));
    };
    const finish = (): void => {
      settled = true;
      clearTimeout(timer);
      ex.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: MetadataError): void => {
      if (settled) return;
      finish();
      // Destroying the request also drops a hung keep-alive socket instead of reusing it.
      request.destroy();
      reject(error);
    };

    const request = http.request(
      ex.url,
      { method: ex.method, headers: ex.headers, agent: ex.agent ?? false },
      (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > ex.maxBytes) {
          res.destroy();
          fail(tooLarge(path, ex.maxBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > ex.maxBytes) {
            res.destroy();
            fail(tooLarge(path, ex.maxBytes));
          } else {
            chunks.push(chunk);
          }
        });
        res.on('end', () => {
          if (settled) return;
          finish();
          let body: string;
          try {
            body = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
          } catch {
            reject(new MetadataError('garbage', `metadata answer for ${path} is not UTF-8 text`, { path, status: res.statusCode }));
            return;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', (error) => fail(unreachable(path, error)));
        res.on('close', () => {
          if (!res.complete) fail(unreachable(path, new Error('connection closed in the middle of the answer')));
        });
      },
    );
    request.on('error', (error) => fail(unreachable(path, error)));

    // Covers connect, headers and body: a server that accepts and never answers still times out.
    const timer = setTimeout(() => fail(new MetadataError('timeout', `metadata request ${path} timed out after ${ex.timeoutMs} ms`, { path })), ex.timeoutMs);
    if (ex.signal?.aborted) {
      onAbort();
      return;
    }
    ex.signal?.addEventListener('abort', onAbort, { once: true });
    request.end();
  });
}

function tooLarge(path: string, maxBytes: number): MetadataError {
  return new MetadataError('too-large', `metadata answer for ${path} is larger than ${maxBytes} bytes`, { path });
}

function unreachable(path: string, error: Error): MetadataError {
  const code = (error as NodeJS.ErrnoException).code;
  return new MetadataError('unreachable', `metadata service unreachable for ${path}: ${code ?? error.message}`, { path, cause: error });
}
