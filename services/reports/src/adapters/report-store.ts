import type pg from 'pg';
import type { Locale } from '@pc/service-kit';
import type { AuditHeadStamp, ContactFailureRow, ObligationRow, WithdrawalRow } from '../domain/compliance';
import { readAuditHead } from './audit-store';
import type { Status } from '../domain/i18n';

export interface FunderInfo {
  id: string;
  name: string;
  locale: Locale;
  reportRecipients: string[];
}
export interface ProgrammeInfo {
  id: string;
  funderId: string;
  code: string;
  name: string;
}

/**
 * Reads of the read model the reports need (all scoped by funder ids decided by the caller). Plain
 * SQL: a report is a bulk path over every obligation of its funders at once, joined with their
 * agreements, and programmes are matched by code or id text, which Prisma does not express on a uuid.
 */
export class ReportStore {
  constructor(private readonly pool: pg.Pool) {}

  auditHead(funderId: string): Promise<AuditHeadStamp> {
    return readAuditHead(this.pool, funderId);
  }

  async funders(ids: string[]): Promise<FunderInfo[]> {
    const { rows } = await this.pool.query<{ id: string; name: string; locale: string; report_recipients: string[] }>(
      'SELECT id, name, locale, report_recipients FROM funder WHERE id = ANY($1::uuid[]) ORDER BY name, id',
      [ids],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      locale: r.locale === 'en' ? 'en' : 'fr',
      reportRecipients: r.report_recipients,
    }));
  }

  /** Funders with somebody to send the monthly report to. */
  async fundersWithRecipients(): Promise<FunderInfo[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      'SELECT id FROM funder WHERE cardinality(report_recipients) > 0 ORDER BY id',
    );
    return this.funders(rows.map((r) => r.id));
  }

  /** A programme of these funders by code or id. */
  async programmes(funderIds: string[], codeOrId: string): Promise<ProgrammeInfo[]> {
    const { rows } = await this.pool.query<{ id: string; funder_id: string; code: string; name: string }>(
      'SELECT id, funder_id, code, name FROM programme WHERE funder_id = ANY($1::uuid[]) AND (code = $2 OR id::text = $2) ORDER BY funder_id',
      [funderIds, codeOrId],
    );
    return rows.map((r) => ({ id: r.id, funderId: r.funder_id, code: r.code, name: r.name }));
  }

  async obligations(funderIds: string[], programmeIds: string[] | null): Promise<ObligationRow[]> {
    const { rows } = await this.pool.query<Record<string, string | number | boolean | null>>(
      `SELECT o.id, o.funder_id, COALESCE(f.name, '') AS funder_name, COALESCE(a.programme_code, p.code, '') AS programme_code,
              o.agreement_id, COALESCE(a.reference_code, '') AS reference_code, COALESCE(a.external_ref, '') AS external_ref,
              COALESCE(a.title, '') AS title, COALESCE(a.status, '') AS agreement_status, o.grantee_id,
              COALESCE(a.grantee_name, '') AS grantee_name, a.grantee_neq, o.kind, o.sequence, o.due_date::text AS due_date,
              COALESCE(o.status, 'upcoming') AS status, o.late, o.fulfilled_at, o.evidence_url, o.evidence_published_on::text AS evidence_published_on
       FROM obligation o
       LEFT JOIN agreement a ON a.id = o.agreement_id
       LEFT JOIN funder f ON f.id = o.funder_id
       LEFT JOIN programme p ON p.id = o.programme_id
       WHERE o.funder_id = ANY($1::uuid[]) AND ($2::uuid[] IS NULL OR o.programme_id = ANY($2::uuid[]))
         AND (o.in_agreement OR o.status IS NOT NULL)
       ORDER BY funder_name, programme_code, reference_code, o.due_date, o.id`,
      [funderIds, programmeIds],
    );
    return rows.map((r) => ({
      obligationId: r.id as string,
      funderId: r.funder_id as string,
      funderName: r.funder_name as string,
      programmeCode: r.programme_code as string,
      agreementId: r.agreement_id as string,
      referenceCode: r.reference_code as string,
      externalRef: r.external_ref as string,
      agreementTitle: r.title as string,
      agreementStatus: r.agreement_status as string,
      granteeId: r.grantee_id as string,
      granteeName: r.grantee_name as string,
      granteeNeq: (r.grantee_neq as string | null) ?? null,
      kind: r.kind as string,
      sequence: r.sequence === null ? null : Number(r.sequence),
      dueDate: r.due_date as string,
      status: r.status as Status,
      late: r.late as boolean | null,
      fulfilledAt: r.fulfilled_at ? new Date(r.fulfilled_at as unknown as Date).toISOString() : null,
      evidenceUrl: (r.evidence_url as string | null) ?? null,
      evidencePublishedOn: (r.evidence_published_on as string | null) ?? null,
    }));
  }

  async withdrawals(funderIds: string[], programmeIds: string[] | null): Promise<WithdrawalRow[]> {
    const { rows } = await this.pool.query<{
      obligation_id: string;
      agreement_id: string;
      reference_code: string | null;
      grantee_name: string | null;
      note_url: string;
      reason: string;
      at: Date;
    }>(
      `SELECT w.obligation_id, w.agreement_id, a.reference_code, a.grantee_name, w.note_url, w.reason, w.at
       FROM evidence_withdrawal w JOIN obligation o ON o.id = w.obligation_id LEFT JOIN agreement a ON a.id = w.agreement_id
       WHERE w.funder_id = ANY($1::uuid[]) AND ($2::uuid[] IS NULL OR o.programme_id = ANY($2::uuid[]))
       ORDER BY w.at DESC, w.obligation_id`,
      [funderIds, programmeIds],
    );
    return rows.map((r) => ({
      obligationId: r.obligation_id,
      agreementId: r.agreement_id,
      referenceCode: r.reference_code ?? '',
      granteeName: r.grantee_name ?? '',
      noteUrl: r.note_url,
      reason: r.reason,
      at: r.at.toISOString(),
    }));
  }

  async contactFailures(funderIds: string[], programmeIds: string[] | null): Promise<ContactFailureRow[]> {
    const { rows } = await this.pool.query<{
      email: string;
      contact_ref: string;
      grantee_name: string | null;
      reason: string;
      failures: number;
      last_at: Date;
    }>(
      `SELECT c.email, c.contact_ref, a.grantee_name, c.reason, c.failures, c.last_at
       FROM contact_failure c LEFT JOIN obligation o ON o.id = c.last_obligation_id LEFT JOIN agreement a ON a.id = o.agreement_id
       WHERE c.funder_id = ANY($1::uuid[]) AND c.resolved_at IS NULL
         AND ($2::uuid[] IS NULL OR o.programme_id = ANY($2::uuid[]))
       ORDER BY c.last_at DESC, c.contact_ref`,
      [funderIds, programmeIds],
    );
    return rows.map((r) => ({
      email: r.email,
      contactRef: r.contact_ref,
      granteeName: r.grantee_name ?? '',
      reason: r.reason,
      failures: r.failures,
      lastFailedAt: r.last_at.toISOString(),
    }));
  }
}
