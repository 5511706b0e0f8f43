/**
 * Law 25 requests: every service that holds personal data answers an export or an erasure through
 * the bus; a request is complete when each of them answered. The edge answers its own part at once.
 * The web service holds the people who sign in (members, sign-in links, sessions, calendar
 * subscriptions, language choices). The praxis-connector holds no contact in its tables, but its
 * queue of agreement snapshots (which name contacts) can keep one in a dead letter: it answers for
 * those. The scheduler holds none (jobs and their actors; the whole-system test scans every schema
 * after an erasure), so it is not asked.
 */
export const PERSONAL_DATA_HOLDERS = [
  'edge',
  'agreements',
  'obligations',
  'praxis-connector',
  'notifier',
  'reports',
  'web',
] as const;

export type PersonRequestKind = 'export' | 'erasure';

/** The one spelling an email is compared in (every service stores contact emails lower-cased). */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** One address, no spaces or controls (the contract's format applies first; this holds if it is off). */
export const isEmail = (s: string): boolean =>
  s.length <= 254 && /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u.test(s);

export interface ServiceAnswer {
  service: string;
  answeredAt: Date | null;
  counts: Record<string, number> | null;
  parts: unknown[] | null;
}

/** What an admin reads: status per expected service, and the parts of an export only once complete. */
export function viewOfRequest(
  r: { id: string; kind: string; createdAt: Date; completedAt: Date | null; expected: string[] },
  answers: ServiceAnswer[],
) {
  const byService = new Map(answers.map((a) => [a.service, a]));
  const complete = r.completedAt !== null;
  return {
    id: r.id,
    kind: r.kind as PersonRequestKind,
    status: complete ? ('complete' as const) : ('pending' as const),
    createdAt: r.createdAt.toISOString(),
    completedAt: r.completedAt?.toISOString() ?? null,
    services: r.expected.map((service) => {
      const a = byService.get(service);
      return {
        service,
        status: a ? ('done' as const) : ('pending' as const),
        answeredAt: a?.answeredAt?.toISOString() ?? null,
        ...(a?.counts ? { counts: a.counts } : {}),
        ...(complete && r.kind === 'export' ? { parts: (a?.parts ?? []) as never[] } : {}),
      };
    }),
  };
}
