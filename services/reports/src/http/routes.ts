import type { Express, Request, Response } from 'express';
import type pg from 'pg';
import type { operations } from '@pc/contracts';
import {
  AppError,
  fieldError,
  isCalendarDate,
  keyedPseudonym,
  notFound,
  principalOf,
  readableFunders,
  requireRole,
  todayInMontreal,
  withProjectedId,
  type IdOwner,
} from '@pc/service-kit';
import { makeComplianceReport, type ReportReader } from '../use-cases/make-compliance-report';
import { exportAudit } from '../use-cases/export-audit';
import { verifyAudit } from '../use-cases/verify-audit';
import { renderHtml } from '../domain/render-html';
import { reportForAuditor } from '../domain/personal-data';
import { messages } from '../domain/i18n';
import { renderCsv } from '../adapters/render-csv';
import type { PdfBuilder } from '../adapters/pdf-builder';
import { renderStatusChart } from '../adapters/render-chart';

/** The query strings of the contract (contracts/openapi.yaml), as the request validator has checked them. */
type ComplianceQuery = NonNullable<operations['complianceReport']['parameters']['query']>;
type AuditEventsQuery = operations['auditEvents']['parameters']['query'];
type AuditVerifyQuery = operations['auditVerify']['parameters']['query'];
type AuditVerifyBody = operations['auditVerifyHeads']['requestBody']['content']['application/json'];
type GetRequest<Q> = Request<Record<string, string>, unknown, unknown, Partial<Q>>;

/** An empty query value (`?asOf=`) counts as absent, and so does anything but one string (a repeated parameter). */
const str = <T extends string>(v: T | undefined): T | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Funders a caller may see, narrowed by `funderId` when given. Another tenant's funder is "not
 * found" (404), never "forbidden": existence is not revealed.
 */
function scopeOf(req: Request, wanted: string | undefined): string[] {
  const p = principalOf(req);
  requireRole(p, 'funder', 'auditor');
  const allowed = readableFunders(p);
  if (wanted) {
    if (!allowed.includes(wanted)) throw notFound('funder');
    return [wanted];
  }
  return allowed;
}

/** The audit log of one funder: the funder itself, or an auditor with that funder in scope. */
function auditScope(req: Request, funderId: string | undefined): string {
  const p = principalOf(req);
  requireRole(p, 'funder', 'auditor');
  if (!funderId)
    throw new AppError('validation_failed', { en: 'funderId is required', fr: 'funderId est requis' }, [
      fieldError('query.funderId', { en: 'required', fr: 'requis' }),
    ]);
  if (!readableFunders(p).includes(funderId)) throw notFound('funder');
  return funderId;
}

export interface RouteDeps {
  pool: pg.Pool;
  reader: ReportReader;
  /** key of the pseudonyms auditors read in place of contact addresses */
  pseudonymKey: string;
  now?: () => Date;
  /** the agreements service, asked about a programme the read model does not have yet */
  owner: IdOwner;
  /** how long a report waits for such a programme to arrive (ms, ≤ 5 s) before answering 503 */
  projectionWaitMs: number;
  /** builds PDFs off the event loop, a bounded number at a time */
  pdf: PdfBuilder;
}

export function mountRoutes(app: Express, deps: RouteDeps): void {
  const now = deps.now ?? (() => new Date());

  app.get('/v1/reports/compliance', async (req: GetRequest<ComplianceQuery>, res: Response) => {
    const funderIds = scopeOf(req, str(req.query.funderId));
    const asOf = str(req.query.asOf) ?? todayInMontreal(now());
    if (!isCalendarDate(asOf))
      throw new AppError(
        'validation_failed',
        { en: 'asOf is not a calendar date', fr: "asOf n'est pas une date du calendrier" },
        [
          fieldError('query.asOf', {
            en: 'must be a real date YYYY-MM-DD',
            fr: 'doit être une date réelle AAAA-MM-JJ',
          }),
        ],
      );
    const programme = str(req.query.programme);
    const make = () => makeComplianceReport(deps.reader, { funderIds, programme, asOf, now: now() });
    // Read your writes: a programme registered a moment ago may not be in the read model yet; its
    // 404 is confirmed with the agreements service, in these funders' scope, or waited for.
    const made = programme
      ? await withProjectedId(make, {
          what: 'programme',
          maxWaitMs: deps.projectionWaitMs,
          ownerKnows: () => deps.owner.exists({ kind: 'programme', key: programme, scope: { funderIds } }),
        })
      : await make();
    const rows = made.rows;
    // Auditors read pseudonyms where a funder reads its contacts' addresses (every format below).
    const report =
      principalOf(req).role === 'auditor'
        ? reportForAuditor(made.report, (email) => keyedPseudonym(deps.pseudonymKey, email))
        : made.report;
    const file = `${messages[report.locale].csvFile}-${asOf}`;
    res.setHeader('cache-control', 'private, no-store');
    switch (str(req.query.format) ?? 'json') {
      case 'csv':
        res.type('text/csv; charset=utf-8').setHeader('content-disposition', `attachment; filename="${file}.csv"`);
        res.send(renderCsv(rows, asOf, report.locale, report.auditHead));
        return;
      case 'html':
        res.type('text/html; charset=utf-8').send(renderHtml(report, await renderStatusChart(report)));
        return;
      case 'pdf':
        res.type('application/pdf').setHeader('content-disposition', `inline; filename="${file}.pdf"`);
        res.send(await deps.pdf.build(report, await renderStatusChart(report)));
        return;
      case 'json':
      default: // the validator admits only the contract's formats; absent means json
        res.json(report);
    }
  });

  app.get('/v1/audit/events', async (req: GetRequest<AuditEventsQuery>, res: Response) => {
    const funderId = auditScope(req, str(req.query.funderId));
    res.status(200).type('application/x-ndjson; charset=utf-8').setHeader('cache-control', 'private, no-store');
    // streamed page by page from one snapshot: a ministry's full log never sits in memory
    const trailer = await exportAudit(
      deps.pool,
      funderId,
      { from: str(req.query.from), to: str(req.query.to) },
      async (page) => {
        if (res.destroyed) return false;
        const ok = res.write(page.map((l) => JSON.stringify(l)).join('\n') + '\n');
        // a reader that hangs up must not pin the snapshot's connection: wait for drain OR close
        if (!ok)
          await new Promise((resolve) => {
            res.once('drain', resolve);
            res.once('close', resolve);
          });
        return !res.destroyed;
      },
    );
    // the last line: the head read with these entries (no trailer = the copy was cut short)
    if (trailer && !res.destroyed) res.write(JSON.stringify(trailer) + '\n');
    res.end();
  });

  app.get('/v1/audit/verify', async (req: GetRequest<AuditVerifyQuery>, res: Response) => {
    res.json(await verifyAudit(deps.pool, auditScope(req, str(req.query.funderId))));
  });

  // The same verification, proving as well that heads published earlier are still in the chain.
  app.post(
    '/v1/audit/verify',
    async (req: Request<Record<string, string>, unknown, AuditVerifyBody>, res: Response) => {
      const funderId = auditScope(req, req.body.funderId);
      res.json(await verifyAudit(deps.pool, funderId, req.body.heads));
    },
  );
}
