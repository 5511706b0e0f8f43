import { notFound, type Locale } from '@pc/service-kit';
import {
  buildReport,
  type AuditHeadStamp,
  type ComplianceReport,
  type ContactFailureRow,
  type ObligationRow,
  type WithdrawalRow,
} from '../domain/compliance';

/** What building a report needs from the read model (implemented by adapters/report-store). */
export interface ReportReader {
  funders(ids: string[]): Promise<{ id: string; name: string; locale: Locale }[]>;
  programmes(
    funderIds: string[],
    codeOrId: string,
  ): Promise<{ id: string; funderId: string; code: string; name: string }[]>;
  obligations(funderIds: string[], programmeIds: string[] | null): Promise<ObligationRow[]>;
  withdrawals(funderIds: string[], programmeIds: string[] | null): Promise<WithdrawalRow[]>;
  contactFailures(funderIds: string[], programmeIds: string[] | null): Promise<ContactFailureRow[]>;
  /** the funder's audit chain head now (seq 0 and the genesis value when nothing was recorded) */
  auditHead(funderId: string): Promise<AuditHeadStamp>;
}

/** The report model every format renders, and the obligation rows the CSV lists. */
export interface MadeReport {
  report: ComplianceReport;
  rows: ObligationRow[];
}

/**
 * The compliance report of some funders (already authorised by the caller) as of a date, optionally
 * for one programme (by code or id; none of theirs → 404). The report speaks the funder's language;
 * several funders with different languages → French.
 */
export async function makeComplianceReport(
  reader: ReportReader,
  q: { funderIds: string[]; programme?: string; asOf: string; now: Date },
): Promise<MadeReport> {
  let programmeIds: string[] | null = null;
  let programme: { code: string; name: string } | null = null;
  if (q.programme) {
    const found = await reader.programmes(q.funderIds, q.programme);
    if (found.length === 0) throw notFound('programme');
    programmeIds = found.map((p) => p.id);
    programme = { code: found[0]!.code, name: found[0]!.name };
  }
  const [funders, rows, withdrawals, contactFailures, auditHead] = await Promise.all([
    reader.funders(q.funderIds),
    reader.obligations(q.funderIds, programmeIds),
    reader.withdrawals(q.funderIds, programmeIds),
    reader.contactFailures(q.funderIds, programmeIds),
    // one chain per funder: a report over one funder publishes its head (anchoring)
    q.funderIds.length === 1 ? reader.auditHead(q.funderIds[0]!) : null,
  ]);
  const locale: Locale = funders.length > 0 && funders.every((f) => f.locale === 'en') ? 'en' : 'fr';
  const report = buildReport({
    asOf: q.asOf,
    generatedAt: q.now.toISOString(),
    locale,
    scope: { funders: funders.map((f) => ({ id: f.id, name: f.name })), programme },
    obligations: rows,
    withdrawals,
    contactFailures,
    auditHead,
  });
  return { report, rows };
}
