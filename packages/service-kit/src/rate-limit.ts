/** How much a caller may do: `capacity` at once, given back at `perSecond`. */
export interface BucketSpec {
  capacity: number;
  perSecond: number;
}

interface Bucket {
  level: number;
  at: number;
}

/**
 * Token buckets by key (an address, an API key id, a person), in memory: each replica counts on its own,
 * so N replicas allow N times the figures; the limits are there to bound abuse, not to bill. The
 * clock is given (milliseconds), so the rule is tested without waiting.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly spec: BucketSpec,
    private readonly now: () => number,
    private readonly maxKeys = 100_000,
  ) {}

  private levelOf(key: string, at: number): number {
    const b = this.buckets.get(key);
    if (!b) return this.spec.capacity;
    return Math.min(this.spec.capacity, b.level + ((at - b.at) / 1000) * this.spec.perSecond);
  }

  /** Seconds until `cost` could be taken for `key` (0: now), without taking it. */
  waitFor(key: string, cost = 1): number {
    cost = Math.min(cost, this.spec.capacity); // a request dearer than the whole budget needs a full bucket
    const level = this.levelOf(key, this.now());
    return level >= cost ? 0 : (cost - level) / this.spec.perSecond;
  }

  /** Takes `cost` for `key` if it is there: 0; else the seconds to wait, and nothing is taken. */
  take(key: string, cost = 1): number {
    cost = Math.min(cost, this.spec.capacity);
    const at = this.now();
    const level = this.levelOf(key, at);
    if (level < cost) return (cost - level) / this.spec.perSecond;
    this.buckets.set(key, { level: level - cost, at });
    if (this.buckets.size > this.maxKeys) this.forgetFull(at);
    return 0;
  }

  /** Takes `cost` even past empty (a failure already happened; it is counted whatever the level). */
  charge(key: string, cost = 1): void {
    const at = this.now();
    this.buckets.set(key, { level: Math.max(-this.spec.capacity, this.levelOf(key, at) - cost), at });
    if (this.buckets.size > this.maxKeys) this.forgetFull(at);
  }

  /** A full bucket is the same as none: dropping those bounds the memory an attacker can make us hold. */
  private forgetFull(at: number): void {
    for (const key of this.buckets.keys()) if (this.levelOf(key, at) >= this.spec.capacity) this.buckets.delete(key);
  }
}

/**
 * What a read costs when it does unbounded work per request (a report over every agreement of a
 * funder, a PDF, a calendar over every obligation, an audit chain verified or exported), or null for
 * an ordinary request. A PDF counts as five: it takes about five times a JSON report's time.
 */
export function heavyReadCost(method: string, path: string, query: Record<string, unknown>): number | null {
  // a verification against published heads is a POST (the heads are its body) but reads the whole chain
  if (method === 'POST' && path === '/v1/audit/verify') return 1;
  if (method !== 'GET' && method !== 'HEAD') return null;
  if (path === '/v1/reports/compliance') return query.format === 'pdf' ? 5 : 1;
  if (path === '/v1/me/calendar.ics' || path === '/v1/audit/verify' || path === '/v1/audit/events') return 1;
  return null;
}

/** `n` per minute, `n` at once. */
export const perMinute = (n: number): BucketSpec => ({ capacity: n, perSecond: n / 60 });
