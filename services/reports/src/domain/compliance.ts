import type { EventData } from '@pc/contracts';
import { todayInMontreal, type Bilingual, type Locale } from '@pc/service-kit';
import { STATUSES, type Status, messages } from './i18n';

/** One obligation as the read model holds it, joined with its agreement (pure input of the report). */
export interface ObligationRow {
  obligationId: string;
  funderId: string;
  funderName: string;
  programmeCode: string;
  agreementId: string;
  referenceCode: string;
  externalRef: string;
  agreementTitle: string;
  agreementStatus: string;
  granteeId: string;
  granteeName: string;
  granteeNeq: string | null;
  kind: string;
  sequence: number | null;
  dueDate: string;
  status: Status;
  late: boolean | null;
  fulfilledAt: string | null;
  evidenceUrl: string | null;
  evidencePublishedOn: string | null;
}

export interface WithdrawalRow {
  obligationId: string;
  agreementId: string;
  referenceCode: string;
  granteeName: string;
  noteUrl: string;
  reason: string;
  at: string;
}
export interface ContactFailureRow {
  email: string;
  contactRef: string;
  granteeName: string;
  reason: string;
  failures: number;
  lastFailedAt: string;
}

export interface ReportScope {
  funders: { id: string; name: string }[];
  programme: { code: string; name: string } | null;
}

export interface Tally {
  obligations: number;
  dueByAsOf: number;
  fulfilledOnTime: number;
  fulfilledLate: number;
  overdue: number;
  waived: number;
  cancelled: number;
  complianceRate: number | null;
  onTimeRate: number | null;
}

export interface ComplianceReport {
  reportVersion: 1;
  asOf: string;
  generatedAt: string;
  locale: Locale;
  scope: ReportScope;
  definition: Bilingual;
  totals: Tally & { byStatus: Record<Status, number> };
  byMonth: { month: string; byStatus: Record<Status, number> }[];
  grantees: ({ granteeId: string; name: string; neq: string | null; agreements: number } & Tally)[];
  /** per programme of each funder: counts by status and the same rates as the totals (the dashboard's summary) */
  byProgramme: ({
    funderId: string;
    programmeCode: string;
    agreements: number;
    byStatus: Record<Status, number>;
  } & Tally)[];
  overdue: {
    obligationId: string;
    agreementId: string;
    funderName: string;
    programmeCode: string;
    referenceCode: string;
    externalRef: string;
    agreementTitle: string;
    granteeName: string;
    kind: string;
    dueDate: string;
    status: Status;
    daysOverdue: number;
  }[];
  withdrawnEvidence: WithdrawalRow[];
  failingContacts: ContactFailureRow[];
  /**
   * The head of the funder's audit chain when the report was made (one funder only; null for a
   * report over several). Published in the report and its email, it is a copy of the chain's state
   * outside the database: `POST /v1/audit/verify` proves later that the chain still holds it.
   */
  auditHead: AuditHeadStamp | null;
}

/** A chain head as published: the last entry's seq and hash, and when it was read. */
export interface AuditHeadStamp {
  seq: number;
  hash: string;
  at: string;
}

const zeroStatuses = (): Record<Status, number> =>
  Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
const excluded = (s: Status): boolean => s === 'waived' || s === 'cancelled';
const CLOSED: ReadonlySet<Status> = new Set(['fulfilled', 'waived', 'cancelled']);

/** Classification of one obligation as of a date (the rules the definition text states). */
export function classify(
  o: Pick<ObligationRow, 'dueDate' | 'status' | 'late'>,
  asOf: string,
): {
  due: boolean;
  onTime: boolean;
  late: boolean;
  overdue: boolean;
} {
  const due = o.dueDate <= asOf && !excluded(o.status);
  const fulfilled = due && o.status === 'fulfilled';
  return {
    due,
    onTime: fulfilled && o.late !== true,
    late: fulfilled && o.late === true,
    overdue: o.dueDate < asOf && !CLOSED.has(o.status),
  };
}

/**
 * Whether a transition fulfilled its obligation late (null when it is not a fulfilment): on time means
 * published (or, without evidence details, recorded at `at`) no later than the due date, in Montréal days.
 */
export function fulfilledLate(
  t: Pick<EventData<'obligation.transitioned.v1'>, 'to' | 'evidence' | 'dueDate'>,
  at: string,
): boolean | null {
  if (t.to !== 'fulfilled') return null;
  return t.evidence ? t.evidence.late : todayInMontreal(new Date(at)) > t.dueDate;
}

const rate = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 10000) / 10000);

function tally(rows: ObligationRow[], asOf: string): Tally {
  const t: Tally = {
    obligations: rows.length,
    dueByAsOf: 0,
    fulfilledOnTime: 0,
    fulfilledLate: 0,
    overdue: 0,
    waived: 0,
    cancelled: 0,
    complianceRate: null,
    onTimeRate: null,
  };
  for (const r of rows) {
    const c = classify(r, asOf);
    if (c.due) t.dueByAsOf += 1;
    if (c.onTime) t.fulfilledOnTime += 1;
    if (c.late) t.fulfilledLate += 1;
    if (c.overdue) t.overdue += 1;
    if (r.status === 'waived') t.waived += 1;
    if (r.status === 'cancelled') t.cancelled += 1;
  }
  t.complianceRate = rate(t.fulfilledOnTime + t.fulfilledLate, t.dueByAsOf);
  t.onTimeRate = rate(t.fulfilledOnTime, t.dueByAsOf);
  return t;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Builds the one report model every format renders (so the figures cannot disagree). */
export function buildReport(input: {
  asOf: string;
  generatedAt: string;
  locale: Locale;
  scope: ReportScope;
  obligations: ObligationRow[];
  withdrawals: WithdrawalRow[];
  contactFailures: ContactFailureRow[];
  auditHead?: AuditHeadStamp | null;
}): ComplianceReport {
  const { asOf, obligations } = input;
  const byStatus = zeroStatuses();
  const months = new Map<string, Record<Status, number>>();
  const grantees = new Map<string, { rows: ObligationRow[]; agreements: Set<string> }>();
  const programmes = new Map<
    string,
    { rows: ObligationRow[]; agreements: Set<string>; byStatus: Record<Status, number> }
  >();
  for (const o of obligations) {
    const pk = `${o.funderId}\u0000${o.programmeCode}`;
    const p = programmes.get(pk) ?? { rows: [], agreements: new Set<string>(), byStatus: zeroStatuses() };
    p.rows.push(o);
    p.agreements.add(o.agreementId);
    p.byStatus[o.status] += 1;
    programmes.set(pk, p);
    byStatus[o.status] += 1;
    const m = o.dueDate.slice(0, 7);
    const row = months.get(m) ?? zeroStatuses();
    row[o.status] += 1;
    months.set(m, row);
    const g = grantees.get(o.granteeId) ?? { rows: [], agreements: new Set<string>() };
    g.rows.push(o);
    g.agreements.add(o.agreementId);
    grantees.set(o.granteeId, g);
  }
  const overdue = obligations
    .filter((o) => classify(o, asOf).overdue)
    .sort(
      (a, b) =>
        a.dueDate.localeCompare(b.dueDate) ||
        a.referenceCode.localeCompare(b.referenceCode) ||
        a.obligationId.localeCompare(b.obligationId),
    )
    .map((o) => ({
      obligationId: o.obligationId,
      agreementId: o.agreementId,
      funderName: o.funderName,
      programmeCode: o.programmeCode,
      referenceCode: o.referenceCode,
      externalRef: o.externalRef,
      agreementTitle: o.agreementTitle,
      granteeName: o.granteeName,
      kind: o.kind,
      dueDate: o.dueDate,
      status: o.status,
      daysOverdue: daysBetween(o.dueDate, asOf),
    }));
  return {
    reportVersion: 1,
    asOf,
    generatedAt: input.generatedAt,
    locale: input.locale,
    scope: input.scope,
    definition: messages.both('definition', asOf),
    totals: { ...tally(obligations, asOf), byStatus },
    byMonth: [...months.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([month, s]) => ({ month, byStatus: s })),
    grantees: [...grantees.entries()]
      .map(([granteeId, g]) => ({
        granteeId,
        name: g.rows[0]!.granteeName,
        neq: g.rows[0]!.granteeNeq,
        agreements: g.agreements.size,
        ...tally(g.rows, asOf),
      }))
      .sort((a, b) => a.name.localeCompare(b.name, 'fr') || a.granteeId.localeCompare(b.granteeId)),
    byProgramme: [...programmes.values()]
      .map((p) => ({
        funderId: p.rows[0]!.funderId,
        programmeCode: p.rows[0]!.programmeCode,
        agreements: p.agreements.size,
        byStatus: p.byStatus,
        ...tally(p.rows, asOf),
      }))
      .sort((a, b) => a.funderId.localeCompare(b.funderId) || a.programmeCode.localeCompare(b.programmeCode, 'fr')),
    overdue,
    withdrawnEvidence: input.withdrawals,
    failingContacts: input.contactFailures,
    auditHead: input.auditHead ?? null,
  };
}
