import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostPolicy, HostRefusal } from '../domain/host-policy';
import {
  ALLOW_ALL,
  DEFAULT_PAUSE_MS,
  asksToPause,
  parseRobots,
  requestInterval,
  retryAfterMs,
  type RobotsRules,
} from '../domain/politeness';

/**
 * The only way the connector talks to the outside, and the one polite client of the Praxis host:
 * feeds, note pages, re-verification and robots.txt all go through `get`, which
 *  - decides the host rule (HostPolicy) on the URL of every hop, redirects included, and checks
 *    the very URL object handed to the socket once more just before sending (SSRF);
 *  - obeys robots.txt (fetched through this same client and cached);
 *  - keeps the request rate under PRAXIS_MAX_RPS, shared by every replica through the database
 *    (HostBudget), with at most PRAXIS_CONCURRENCY requests in flight in this process; requests a
 *    person waits for (a declared note) go before a sync's;
 *  - pauses the whole host on 429, or 503 with Retry-After, then retries the request;
 *  - sends a User-Agent naming the system, its version and a contact URL, no cookies or
 *    credentials, with a whole-request deadline and a body size cap.
 */
export type HttpResult =
  | { kind: 'response'; status: number; headers: http.IncomingHttpHeaders; body: Buffer; url: URL }
  /** `hop` 0: the URL asked for; more: a redirect's target */
  | { kind: 'refused'; reason: HostRefusal; host: string | null; hop: number }
  /** robots.txt forbids us this URL: not fetched */
  | { kind: 'disallowed'; url: URL }
  /** a redirect the caller asked not to follow (a sign-in page), decided from its Location alone */
  | { kind: 'stopped'; status: number; location: URL }
  | { kind: 'too_many_redirects'; limit: number }
  | {
      kind: 'unavailable';
      reason: 'timeout' | 'connection' | 'rate_limited' | 'robots_unreachable';
      message: string;
      /** the error came on a reused keep-alive socket before any answer (the host had closed it) */
      staleSocket?: boolean;
    }
  | { kind: 'too_large'; limit: number };

/** `interactive`: a person waits for the answer (a declared note); `background`: a sync. */
export type HttpPriority = 'interactive' | 'background';

export interface GetOptions {
  maxBytes: number;
  accept: string;
  headers?: Record<string, string>;
  /** redirects followed (each hop through the host rule and robots.txt); 0 returns the 3xx itself */
  redirects?: number;
  /** a redirect target not to follow: the answer is `stopped` */
  stopAt?: (target: URL) => boolean;
  priority?: HttpPriority;
  /** longest wait for the host (rate or pause) before answering `unavailable` instead */
  maxWaitMs?: number;
}

export interface HttpOptions {
  timeoutMs: number;
  concurrency: number;
  maxRps: number;
  userAgent: string;
  /** longest Retry-After waited for; a longer one pauses the host and fails requests meanwhile */
  maxPauseMs: number;
  robotsTtlMs: number;
}

/**
 * Port: the request budget of the host, shared by every replica (adapters/host-budget-store.ts).
 * `claim(spanMs)` takes the next spanMs of sending time when the budget is free now, else says how
 * long to wait; `pause(ms)` stops every replica for that long.
 */
export interface HostBudget {
  claim(spanMs: number): Promise<{ claimed: true } | { claimed: false; waitMs: number; pausedMs: number }>;
  pause(ms: number): Promise<void>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** a request answered "slow down" is tried this many times in all */
const MAX_ATTEMPTS = 3;
/** slots claimed from the shared budget at once: about this much sending time (one claim per ~100 ms at most) */
const CLAIM_SPAN_MS = 100;
/** an unreachable robots.txt is asked for again after this long (meanwhile nothing is fetched) */
const ROBOTS_RETRY_MS = 30_000;
const ROBOTS_MAX_BYTES = 512 * 1024;

/** Bounds requests in flight; interactive waiters are served before background ones. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Record<HttpPriority, Array<() => void>> = { interactive: [], background: [] };
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>, priority: HttpPriority = 'background'): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting[priority].push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.interactive.shift() ?? this.waiting.background.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * When this process may send its next request: local slots claimed from the shared budget in small
 * batches, each at least `interval` after the request sent before it (measured when it leaves, so a
 * late timer never lets two go at once), and the host's pause.
 */
class HostGate {
  private slots = 0;
  private lastSent = -Infinity;
  private pausedUntil = 0;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly budget: HostBudget,
    readonly interval: number,
    private readonly signal: AbortSignal,
  ) {}

  /** Waits for the next sending slot (one waiter at a time); an error text when it would take longer than maxWaitMs. */
  acquire(maxWaitMs: number): Promise<string | null> {
    const mine = this.turn.then(() => this.next(maxWaitMs));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async next(maxWaitMs: number): Promise<string | null> {
    const started = performance.now();
    for (;;) {
      const now = performance.now();
      const pause = this.pausedUntil - now;
      if (pause > 0) {
        if (now - started + pause > maxWaitMs) return `Praxis asked to pause for ${Math.ceil(pause / 1000)} s`;
        await sleep(pause, undefined, { signal: this.signal });
        continue;
      }
      if (this.slots > 0) {
        const wait = this.lastSent + this.interval - now;
        if (wait > 0) {
          if (now - started + wait > maxWaitMs) return 'the request rate to Praxis is at its limit';
          // A timer waits at least 1 ms: below that (rates above 1,000/s) yield to the event loop instead.
          if (wait < 1) await new Promise<void>((r) => setImmediate(r));
          else await sleep(wait, undefined, { signal: this.signal });
          continue;
        }
        this.slots--;
        this.lastSent = now;
        return null;
      }
      const batch = Math.max(1, Math.floor(CLAIM_SPAN_MS / this.interval));
      const r = await this.budget.claim(batch * this.interval);
      if (r.claimed) {
        this.slots = batch;
        continue;
      }
      if (now - started + r.waitMs > maxWaitMs)
        return r.pausedMs > 0
          ? `Praxis asked to pause for ${Math.ceil(r.pausedMs / 1000)} s`
          : 'the request rate to Praxis is at its limit';
      await sleep(Math.max(1, r.waitMs), undefined, { signal: this.signal });
    }
  }

  /** This process stops at once; the budget tells the other replicas. */
  async pause(ms: number): Promise<void> {
    this.pausedUntil = Math.max(this.pausedUntil, performance.now() + ms);
    this.slots = 0;
    await this.budget.pause(ms);
  }
}

export class PraxisHttp {
  private readonly agent: http.Agent;
  private readonly slots: Semaphore;
  private readonly gate: HostGate;
  private readonly closing = new AbortController();
  private robots: { rules: RobotsRules; until: number; unreachable: string | null } | null = null;
  private robotsLoading: Promise<void> | null = null;
  /** requests actually sent (for tests and the benchmark) */
  sent = 0;
  /** answers that paused the host (429, 503 with Retry-After) */
  pauses = 0;

  constructor(
    readonly policy: HostPolicy,
    budget: HostBudget,
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
    this.gate = new HostGate(budget, requestInterval(opts.maxRps), this.closing.signal);
  }

  /** milliseconds between two requests at PRAXIS_MAX_RPS */
  get interval(): number {
    return this.gate.interval;
  }

  /** GET `raw` (and its redirects when asked) on the Praxis host, politely. */
  async get(raw: string, o: GetOptions): Promise<HttpResult> {
    const first = this.policy.check(raw);
    if (!first.allowed) return { kind: 'refused', reason: first.reason, host: first.host, hop: 0 };
    let url = first.url;
    const limit = o.redirects ?? 0;
    for (let hop = 0; ; hop++) {
      const r = await this.fetchAllowed(url, o, hop);
      if (r.kind !== 'response' || limit === 0 || !REDIRECTS.has(r.status)) return r;
      const location = r.headers.location;
      if (!location) return r;
      let target: URL;
      try {
        target = new URL(location, r.url);
      } catch {
        return r;
      }
      if (o.stopAt?.(target)) return { kind: 'stopped', status: r.status, location: target };
      if (hop >= limit) return { kind: 'too_many_redirects', limit };
      const next = this.policy.check(location, r.url);
      if (!next.allowed) return { kind: 'refused', reason: next.reason, host: next.host, hop: hop + 1 };
      url = next.url;
    }
  }

  private async fetchAllowed(url: URL, o: GetOptions, hop: number): Promise<HttpResult> {
    const rules = await this.robotsRules(o);
    if (typeof rules === 'string') return { kind: 'unavailable', reason: 'robots_unreachable', message: rules };
    if (!rules.allows(url.pathname + url.search)) return { kind: 'disallowed', url };
    return this.send(url, o, hop);
  }

  /** The one place a request leaves: the budget, the last host check, then the socket. */
  private send(url: URL, o: GetOptions, hop: number): Promise<HttpResult> {
    const maxWait = o.maxWaitMs ?? this.opts.maxPauseMs;
    return this.slots.run(async () => {
      for (let attempt = 1; ; attempt++) {
        if (this.closing.signal.aborted)
          return { kind: 'unavailable', reason: 'connection', message: 'the connector is stopping' };
        let blocked: string | null;
        try {
          blocked = await this.gate.acquire(maxWait);
        } catch (err) {
          if (this.closing.signal.aborted)
            return { kind: 'unavailable', reason: 'connection', message: 'the connector is stopping' };
          return { kind: 'unavailable', reason: 'connection', message: `request budget: ${(err as Error).message}` };
        }
        if (blocked) return { kind: 'unavailable', reason: 'rate_limited', message: blocked };
        // The host rule on the exact object the socket is opened for, whatever produced it.
        if (!this.policy.owns(url))
          return { kind: 'refused', reason: 'other_host', host: url.hostname.toLowerCase(), hop };
        this.sent++;
        let r = await this.once(url, o);
        // A kept-alive socket the host had just closed (its idle timeout) fails before any answer:
        // the request never reached the host, so it is sent again at once on a new connection (as
        // HTTP allows for a GET). Reported as Praxis unavailable, it had failed a whole sync run.
        if (r.kind === 'unavailable' && r.staleSocket) {
          this.sent++;
          r = await this.once(url, o);
        }
        if (r.kind !== 'response') return r;
        const after = retryAfterMs(r.headers['retry-after'], Date.now());
        if (!asksToPause(r.status, after)) return r;
        const ms = Math.max(after ?? DEFAULT_PAUSE_MS, this.gate.interval);
        this.pauses++;
        try {
          await this.gate.pause(ms);
        } catch {
          // the local pause holds even when the other replicas could not be told
        }
        if (attempt >= MAX_ATTEMPTS || ms > maxWait) return r;
      }
    }, o.priority);
  }

  /** robots.txt rules, fetched once per TTL (one fetch at a time); a text when it cannot be read now. */
  private async robotsRules(o: GetOptions): Promise<RobotsRules | string> {
    if (!this.robots || this.robots.until <= Date.now()) {
      this.robotsLoading ??= this.loadRobots(o).finally(() => {
        this.robotsLoading = null;
      });
      await this.robotsLoading;
    }
    const r = this.robots;
    if (!r) return 'robots.txt could not be read';
    return r.unreachable ?? r.rules;
  }

  /**
   * RFC 9309: 2xx → its rules; 4xx → no rules; 5xx, 429 or no answer → nothing may be fetched until
   * it can be read. Redirects are followed on the Praxis host only (another host is never contacted).
   */
  private async loadRobots(o: GetOptions): Promise<void> {
    const set = (rules: RobotsRules, ttl: number, unreachable: string | null = null): void => {
      this.robots = { rules, until: Date.now() + ttl, unreachable };
    };
    let url = new URL('/robots.txt', this.policy.base);
    // the caller's priority and patience, not its headers (a feed's If-None-Match is not robots.txt's)
    const ask: GetOptions = { maxBytes: ROBOTS_MAX_BYTES, accept: 'text/plain', priority: o.priority };
    if (o.maxWaitMs !== undefined) ask.maxWaitMs = o.maxWaitMs;
    for (let hop = 0; hop <= 5; hop++) {
      const r = await this.send(url, ask, hop);
      if (r.kind !== 'response') {
        const why = r.kind === 'unavailable' ? r.message : r.kind;
        return set(ALLOW_ALL, ROBOTS_RETRY_MS, `robots.txt could not be read (${why}); nothing is fetched meanwhile`);
      }
      if (REDIRECTS.has(r.status) && typeof r.headers.location === 'string') {
        const next = this.policy.check(r.headers.location, r.url);
        if (!next.allowed)
          return set(ALLOW_ALL, ROBOTS_RETRY_MS, `robots.txt redirects off the Praxis host (${next.host ?? '?'})`);
        url = next.url;
        continue;
      }
      if (r.status >= 200 && r.status < 300) return set(parseRobots(r.body.toString('utf8')), this.opts.robotsTtlMs);
      if (r.status >= 400 && r.status < 500 && r.status !== 429) return set(ALLOW_ALL, this.opts.robotsTtlMs);
      return set(ALLOW_ALL, ROBOTS_RETRY_MS, `robots.txt answered HTTP ${r.status}; nothing is fetched meanwhile`);
    }
    return set(ALLOW_ALL, ROBOTS_RETRY_MS, 'robots.txt redirects too many times');
  }

  private once(url: URL, o: GetOptions): Promise<HttpResult> {
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<HttpResult>((resolve) => {
      let settled = false;
      let answered = false;
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
            ...(o.headers ?? {}),
            accept: o.accept,
            'accept-encoding': 'identity',
            'user-agent': this.opts.userAgent,
          },
        },
        (res) => {
          answered = true;
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
      req.on('error', (err) =>
        done({
          kind: 'unavailable',
          reason: 'connection',
          message: err.message,
          ...(req.reusedSocket && !answered ? { staleSocket: true } : {}),
        }),
      );
      req.end();
    });
  }

  /** Ends waits in progress (a long pause must not hold up shutdown) and closes the sockets. */
  close(): void {
    this.closing.abort();
    this.agent.destroy();
  }
}
