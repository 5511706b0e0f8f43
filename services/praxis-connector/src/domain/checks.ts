import type { Locale } from '@pc/service-kit';
import { checkTexts } from './messages';
import type { PageOutcome } from './page';
import { mentions, referenceKey, scanText } from './references';

export type CheckName = 'host_allowed' | 'publicly_accessible' | 'mentions_reference' | 'published_in_window';
export interface Check {
  name: CheckName;
  passed: boolean;
  detail: string;
}

export interface AgreementRef {
  id: string;
  funderId: string;
  referenceCode: string;
  externalRef: string | null;
  startDate: string;
  dueDate: string;
}

export interface Publication {
  publishedOn: string | null;
  source: 'feed' | 'meta' | 'page_line' | 'first_seen';
}

/** host_allowed and publicly_accessible from the page outcome (the page adapter applied the host rule to every hop). */
export function accessChecks(outcome: PageOutcome, praxisHost: string, locale: Locale): { host: Check; access: Check } {
  const m = checkTexts[locale];
  const host = (passed: boolean, detail: string): Check => ({ name: 'host_allowed', passed, detail });
  const access = (passed: boolean, detail: string): Check => ({ name: 'publicly_accessible', passed, detail });
  const okHost = host(true, m.hostAllowed(praxisHost));
  switch (outcome.kind) {
    case 'refused':
      return {
        host: host(false, m.refused[outcome.reason]({ host: outcome.host ?? '?', praxisHost })),
        access: access(false, m.refusedNotChecked),
      };
    case 'public':
      return { host: okHost, access: access(true, m.public) };
    case 'not_public':
      return {
        host: okHost,
        access: access(false, m.notPublic[outcome.reason](outcome.httpStatus ? ` (HTTP ${outcome.httpStatus})` : '')),
      };
    case 'unavailable':
      return { host: okHost, access: access(false, m.unavailable(m.unreachable[outcome.reason](outcome.httpStatus))) };
    case 'invalid':
      return { host: okHost, access: access(false, m.invalid[outcome.reason](outcome.httpStatus)) };
    case 'disallowed':
      return { host: okHost, access: access(false, m.disallowed) };
  }
}

export function mentionCheck(
  text: string | null,
  a: Pick<AgreementRef, 'referenceCode' | 'externalRef'>,
  locale: Locale,
): Check {
  const name = 'mentions_reference' as const;
  const m = checkTexts[locale];
  if (text === null) return { name, passed: false, detail: m.pageUnread };
  const scanned = scanText(text);
  if (mentions(scanned, a.referenceCode, 'referenceCode'))
    return { name, passed: true, detail: m.mentionsCode(a.referenceCode) };
  if (a.externalRef && mentions(scanned, a.externalRef, 'externalRef'))
    return { name, passed: true, detail: m.mentionsFunderRef(a.externalRef) };
  // A funder reference too short to be told apart is not looked for, so it is not named either.
  const usable = a.externalRef && referenceKey(a.externalRef, 'externalRef') ? a.externalRef : null;
  return { name, passed: false, detail: m.mentionsNone(usable ? `${a.referenceCode} / ${usable}` : a.referenceCode) };
}

/** On or after the start date passes; after the due date still passes, recorded as late. */
export function windowCheck(
  pub: Publication | null,
  a: Pick<AgreementRef, 'startDate' | 'dueDate'>,
  locale: Locale,
): { check: Check; late: boolean } {
  const name = 'published_in_window' as const;
  const m = checkTexts[locale];
  if (!pub || !pub.publishedOn) return { check: { name, passed: false, detail: m.dateUnknown }, late: false };
  const d = pub.publishedOn;
  const src = m.source[pub.source];
  if (d < a.startDate)
    return { check: { name, passed: false, detail: m.beforeStart(d, src, a.startDate) }, late: false };
  if (d > a.dueDate) return { check: { name, passed: true, detail: m.late(d, src, a.dueDate) }, late: true };
  return { check: { name, passed: true, detail: m.inWindow(d, src, a.startDate, a.dueDate) }, late: false };
}

export const notReachedCheck = (name: CheckName, locale: Locale): Check => ({
  name,
  passed: false,
  detail: checkTexts[locale].notPublicNotChecked,
});

/** Publication date precedence: feed item, then page metadata, then the page's "Publication" line, else the day first seen. */
export function publicationOf(
  feedDate: string | null,
  page: { publishedOn: string | null; publishedSource: 'meta' | 'page_line' | null } | null,
  firstSeen: string,
): Publication {
  if (feedDate) return { publishedOn: feedDate, source: 'feed' };
  if (page?.publishedOn && page.publishedSource) return { publishedOn: page.publishedOn, source: page.publishedSource };
  return { publishedOn: firstSeen, source: 'first_seen' };
}
