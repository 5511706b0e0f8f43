import {
  AppError,
  errorCodes,
  heavyReadCost,
  perMinute,
  RateLimiter,
  rateLimited,
  serviceClient,
  type ErrorCode,
  type Locale,
  type ServiceFetch,
} from '@pc/service-kit';
import type { WebConfig } from '../config';
import { principalFor, type Person } from '../domain/person';

/** The services a page may call (each checks the person's principal exactly as it checks an API key's). */
export const CALLED = ['agreements', 'obligations', 'notifier', 'reports', 'scheduler', 'edge'] as const;
export type Called = (typeof CALLED)[number];

/** `fetch` of one path of service `s`, as the person, in the person's language. */
export type PersonFetch = (s: Called, path: string, init?: RequestInit) => Promise<Response>;

const URL_OF: Record<Called, keyof WebConfig> = {
  agreements: 'AGREEMENTS_URL',
  obligations: 'OBLIGATIONS_URL',
  notifier: 'NOTIFIER_URL',
  reports: 'REPORTS_URL',
  scheduler: 'SCHEDULER_URL',
  // the edge owns API keys: it accepts a principal signed for it (audience `edge`) in place of a Bearer token
  edge: 'EDGE_URL',
};

/**
 * Calls to the other services on behalf of a signed-in person: the principal for that person
 * (`principalFor`) signed for each request by `serviceClient`, and `Accept-Language` set from the
 * person's choice so problems and documents come back in the page's language.
 */
export function personCalls(
  cfg: WebConfig,
  /** the runtime's peer URLs (kept current when services start on free ports, as the e2e system does) */
  peers?: ReadonlyMap<string, string>,
): (person: Person, locale: Locale) => PersonFetch {
  const clients = new Map<string, ServiceFetch>();
  const clientOf = (s: Called): ServiceFetch => {
    const baseUrl = peers?.get(s) ?? String(cfg[URL_OF[s]]);
    const key = `${s} ${baseUrl}`;
    let c = clients.get(key);
    if (!c) {
      c = serviceClient({ caller: 'web', audience: s, baseUrl, secret: cfg.INTERNAL_SECRET });
      clients.set(key, c);
    }
    return c;
  };
  // The pages reach the services directly, not through the edge: the edge's heavy-read budget is
  // spent here instead, per person (by role and email: in memory only, never logged).
  const heavy = new RateLimiter(perMinute(cfg.HEAVY_READS_PER_MINUTE), Date.now);
  return (person, locale) => {
    const as = principalFor(person);
    const who = `${person.role} ${person.email}`;
    return (s, path, init = {}) => {
      const url = new URL(path, 'http://service');
      const cost = heavyReadCost(init.method ?? 'GET', url.pathname, Object.fromEntries(url.searchParams));
      const wait = cost === null ? 0 : heavy.take(who, cost);
      if (wait > 0)
        throw rateLimited(wait, {
          fr: 'trop de rapports, calendriers ou lectures d’audit en une minute; réessayez dans un moment',
          en: 'too many reports, calendars or audit reads in a minute; try again in a moment',
        });
      const headers = new Headers(init.headers);
      headers.set('accept-language', locale);
      return clientOf(s)(path, { ...init, headers, as });
    };
  };
}

/**
 * The JSON body of a service's answer; a problem answer becomes the same AppError (status, French and
 * English text as the service wrote them), so a 404 of another tenant's object is this page's 404.
 */
export async function readJson<T>(res: Response): Promise<T> {
  if (res.ok) return (await res.json()) as T;
  let detail = '';
  try {
    detail = ((await res.json()) as { detail?: string }).detail ?? '';
  } catch {
    // not a problem document: the status says enough
  }
  const code = (Object.entries(errorCodes).find(([, s]) => s === res.status)?.[0] ?? 'internal') as ErrorCode;
  throw new AppError(code, detail || `HTTP ${res.status}`, undefined, {
    ...(res.status === 503 ? { retryAfterSeconds: Number(res.headers.get('retry-after') ?? 5) } : {}),
  });
}
