/**
 * What the simulator was asked, as a polite client's server would see it: when each request arrived,
 * for what, from which User-Agent, and how it was answered. Tests and benchmarks read the request
 * rate from here (the busiest window of any length), not from the client's own word.
 */
export type RequestKind = 'pages' | 'feeds' | 'robots' | 'other';

export interface Arrival {
  /** epoch milliseconds, sub-millisecond precision */
  at: number;
  path: string;
  kind: RequestKind;
  userAgent: string | null;
  /** status answered (null while unanswered or when the socket was dropped) */
  status: number | null;
  /** epoch milliseconds the answer was sent */
  answeredAt: number | null;
}

export interface TrafficSummary {
  requests: number;
  byKind: Record<RequestKind, number>;
  userAgents: Record<string, number>;
  firstAt: number | null;
  lastAt: number | null;
  windowMs: number;
  /** the most requests that arrived within any windowMs */
  maxInWindow: number;
}

/** Arrivals kept, at least (a benchmark's million requests need their count, not each of them). */
const KEEP = 200_000;

export const nowMs = (): number => performance.timeOrigin + performance.now();

export class Traffic {
  /** the arrivals kept, oldest first */
  readonly log: Arrival[] = [];
  private total = 0;
  private readonly kinds: Record<RequestKind, number> = { pages: 0, feeds: 0, robots: 0, other: 0 };
  private readonly agents = new Map<string, number>();
  private first: number | null = null;

  record(path: string, kind: RequestKind, userAgent: string | null): Arrival {
    const a: Arrival = { at: nowMs(), path, kind, userAgent, status: null, answeredAt: null };
    this.total++;
    this.kinds[kind]++;
    this.first ??= a.at;
    const ua = userAgent ?? '(none)';
    this.agents.set(ua, (this.agents.get(ua) ?? 0) + 1);
    this.log.push(a);
    if (this.log.length > 2 * KEEP) this.log.splice(0, this.log.length - KEEP); // amortised: one splice per KEEP arrivals
    return a;
  }

  /** The most requests that arrived within any window of `windowMs` (half-open: [t, t + windowMs)). */
  maxInWindow(windowMs = 1000, kinds?: readonly RequestKind[]): number {
    const at = (kinds ? this.log.filter((a) => kinds.includes(a.kind)) : this.log).map((a) => a.at);
    let best = 0;
    for (let lo = 0, hi = 0; hi < at.length; hi++) {
      while (at[hi]! - at[lo]! >= windowMs) lo++;
      best = Math.max(best, hi - lo + 1);
    }
    return best;
  }

  summary(windowMs = 1000): TrafficSummary {
    return {
      requests: this.total,
      byKind: { ...this.kinds },
      userAgents: Object.fromEntries(this.agents),
      firstAt: this.first,
      lastAt: this.log.at(-1)?.at ?? null,
      windowMs,
      maxInWindow: this.maxInWindow(windowMs),
    };
  }

  reset(): void {
    this.log.length = 0;
    this.total = 0;
    for (const k of Object.keys(this.kinds) as RequestKind[]) this.kinds[k] = 0;
    this.agents.clear();
    this.first = null;
  }
}
