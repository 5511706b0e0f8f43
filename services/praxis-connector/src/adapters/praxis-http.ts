import http from 'node:http';
import https from 'node:https';
import type { HostPolicy } from '../domain/host-policy';

/**
 * The only way the connector talks to the outside: GET on the configured Praxis origin, without
 * credentials or cookies, never following redirects itself, with a whole-request deadline, a body
 * size cap, and a bound on requests in flight. Every URL goes through the HostPolicy before a socket
 * is opened, so a foreign host is refused without any connection (SSRF).
 */
export type HttpResult =
  | { kind: 'response'; status: number; headers: http.IncomingHttpHeaders; body: Buffer; url: URL }
  | { kind: 'refused'; reason: string; host: string | null }
  | { kind: 'unavailable'; reason: 'timeout' | 'connection'; message: string }
  | { kind: 'too_large'; limit: number };

export interface HttpOptions {
  timeoutMs: number;
  concurrency: number;
  userAgent?: string;
}

export class Semaphore {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export class PraxisHttp {
  private readonly agent: http.Agent;
  private readonly slots: Semaphore;
  /** requests actually sent (for tests and the benchmark) */
  sent = 0;

  constructor(
    readonly policy: HostPolicy,
    private readonly opts: HttpOptions,
  ) {
    const Agent = policy.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: opts.concurrency,
      maxFreeSockets: opts.concurrency,
      timeout: opts.timeoutMs,
    });
    this.slots = new Semaphore(opts.concurrency);
  }

  async get(
    raw: string,
    o: { maxBytes: number; accept: string; headers?: Record<string, string>; from?: URL },
  ): Promise<HttpResult> {
    const decision = this.policy.check(raw, o.from);
    if (!decision.allowed) return { kind: 'refused', reason: decision.reason, host: decision.host };
    const url = decision.url;
    return this.slots.run(() => this.send(url, o));
  }

  private send(
    url: URL,
    o: { maxBytes: number; accept: string; headers?: Record<string, string> },
  ): Promise<HttpResult> {
    this.sent++;
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<HttpResult>((resolve) => {
      let settled = false;
      const done = (r: HttpResult): void => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          resolve(r);
        }
      };
      const req = mod.request(
        url,
        {
          method: 'GET',
          agent: this.agent,
          headers: {
            accept: o.accept,
            'accept-encoding': 'identity',
            'user-agent': this.opts.userAgent ?? 'praxis-compliance-connector/0.1',
            ...(o.headers ?? {}),
          },
        },
        (res) => {
          const declared = Number(res.headers['content-length'] ?? NaN);
          if (Number.isFinite(declared) && declared > o.maxBytes) {
            done({ kind: 'too_large', limit: o.maxBytes });
            req.destroy();
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > o.maxBytes) {
              done({ kind: 'too_large', limit: o.maxBytes });
              req.destroy();
              return;
            }
            chunks.push(c);
          });
          res.on('end', () =>
            done({
              kind: 'response',
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
              url,
            }),
          );
          res.on('error', (err) => done({ kind: 'unavailable', reason: 'connection', message: err.message }));
          res.on('aborted', () => done({ kind: 'unavailable', reason: 'connection', message: 'response aborted' }));
        },
      );
      const timer = setTimeout(() => {
        done({
          kind: 'unavailable',
          reason: 'timeout',
          message: `no complete answer within ${this.opts.timeoutMs} ms`,
        });
        req.destroy();
      }, this.opts.timeoutMs);
      req.on('error', (err) => done({ kind: 'unavailable', reason: 'connection', message: err.message }));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
