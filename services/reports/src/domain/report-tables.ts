import type { ComplianceReport } from './compliance';
import { STATUSES, formatInt, formatRate, messages } from './i18n';

/** One table of the report as every format shows it: caption, column labels, cells as text. */
export interface ReportTable {
  caption: string;
  head: string[];
  rows: string[][];
  /** the columns holding numbers (aligned right) */
  numeric: number[];
  /** a line printed after the table (the outstanding list says what it leaves out), if any */
  after?: string;
}

/**
 * Outstanding obligations listed in the HTML page and the PDF. A funder with tens of thousands of them
 * does not read thousands of pages: the page and the PDF list the latest ones in full (every column)
 * and say how many more there are and where they are; the JSON and the CSV are always complete.
 */
export const OUTSTANDING_SHOWN = 2000;

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * The tables of the report in its locale, cells already formatted: the HTML page (and so the monthly
 * email) and the PDF lay out the same figures, so a reader comparing two formats sees the same text.
 */
export function reportTables(r: ComplianceReport, shown = OUTSTANDING_SHOWN) {
  const m = messages[r.locale];
  const L = r.locale;
  const n = (v: number): string => formatInt(v, L);
  const t = r.totals;
  // latest first; equally late ones by grantee, so one organisation's obligations read together
  const collator = new Intl.Collator(L === 'fr' ? 'fr-CA' : 'en-CA');
  const outstanding = [...r.overdue].sort(
    (a, b) =>
      b.daysOverdue - a.daysOverdue ||
      collator.compare(a.granteeName, b.granteeName) ||
      a.referenceCode.localeCompare(b.referenceCode) ||
      a.obligationId.localeCompare(b.obligationId),
  );
  const listed = outstanding.slice(0, shown);
  const more = outstanding.length - listed.length;
  return {
    summary: {
      caption: m.summary,
      head: [m.indicator, m.value],
      rows: [
        [m.totalObligations, n(t.obligations)],
        [m.dueByAsOf, n(t.dueByAsOf)],
        [m.fulfilledOnTime, n(t.fulfilledOnTime)],
        [m.fulfilledLate, n(t.fulfilledLate)],
        [m.overdueCount, n(t.overdue)],
        [m.complianceRate, formatRate(t.complianceRate, L)],
        [m.onTimeRate, formatRate(t.onTimeRate, L)],
      ],
      numeric: [1],
    },
    byStatus: {
      caption: m.summaryCaption,
      head: [m.status, m.count],
      rows: STATUSES.map((s) => [m.statuses[s], n(t.byStatus[s])]),
      numeric: [1],
    },
    byMonth: {
      caption: m.chartTableCaption,
      head: [m.month, ...STATUSES.map((s) => m.statuses[s])],
      rows: r.byMonth.map((x) => [x.month, ...STATUSES.map((s) => n(x.byStatus[s]))]),
      numeric: range(1, STATUSES.length),
    },
    overdue: {
      caption:
        more > 0 ? `${m.overdueCaption}. ${m.overdueShown(n(listed.length), n(outstanding.length))}` : m.overdueCaption,
      head: [m.reference, m.externalRef, m.agreementTitle, m.grantee, m.kind, m.dueDate, m.status, m.daysLate],
      rows: listed.map((o) => [
        o.referenceCode,
        o.externalRef,
        o.agreementTitle,
        o.granteeName,
        m.kinds[o.kind] ?? o.kind,
        o.dueDate,
        m.statuses[o.status],
        n(o.daysOverdue),
      ]),
      numeric: [7],
      ...(more > 0 ? { after: m.overdueMore(n(more)) } : {}),
    },
    grantees: {
      caption: m.granteesCaption,
      head: [
        m.grantee,
        m.neq,
        m.agreements,
        m.obligations,
        m.dueByAsOf,
        m.fulfilledOnTime,
        m.fulfilledLate,
        m.overdueCount,
        m.complianceRate,
      ],
      rows: r.grantees.map((g) => [
        g.name,
        g.neq ?? '',
        n(g.agreements),
        n(g.obligations),
        n(g.dueByAsOf),
        n(g.fulfilledOnTime),
        n(g.fulfilledLate),
        n(g.overdue),
        formatRate(g.complianceRate, L),
      ]),
      numeric: range(2, 8),
    },
    withdrawn: {
      caption: m.withdrawnCaption,
      head: [m.reference, m.grantee, m.noteUrl, m.reason, m.date],
      rows: r.withdrawnEvidence.map((w) => [w.referenceCode, w.granteeName, w.noteUrl, w.reason, w.at.slice(0, 10)]),
      numeric: [],
    },
    contacts: {
      caption: m.contactsCaption,
      head: [m.email, m.grantee, m.reason, m.failures, m.lastFailure],
      rows: r.failingContacts.map((c) => [
        c.email,
        c.granteeName,
        c.reason,
        n(c.failures),
        c.lastFailedAt.slice(0, 10),
      ]),
      numeric: [3],
    },
  } satisfies Record<string, ReportTable>;
}

/** "Funders: … · Programme: …" in the report's language (HTML and PDF). */
export function scopeText(r: ComplianceReport): string {
  const m = messages[r.locale];
  const funders = r.scope.funders.map((f) => f.name).join(', ') || '—';
  const programme = r.scope.programme ? `${r.scope.programme.code} — ${r.scope.programme.name}` : m.allProgrammes;
  return m.scopeLine(funders, programme);
}
