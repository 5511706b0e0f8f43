import type { BucketSpec } from './rate-limit';

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
