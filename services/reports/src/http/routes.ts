import type { Express, Request, Response } from 'express';
import type pg from 'pg';
import { AppError, fieldError, isCalendarDate, notFound, principalOf, readableFunders, requireRole, todayInMontreal } from '@pc/service-kit';
import { makeReport, ProgrammeNotFound, type ReportReader } from '../domain/make-report';
import { renderHtml } from '../domain/render-html';
import { messages } from '../domain/i18n';
import { renderCsv } from '../adapters/render-csv';
import { renderPdf } from '../adapters/render-pdf';
import { exportAudit, verifyAudit } from '../adapters/audit-store';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Funders a caller may see, narrowed by `funderId` when given. Another tenant's funder is "not
 * found" (404), never "forbidden": existence is not revealed.
 */
function scopeOf(req: Request): string[] {
  const p = principalOf(req);
  requireRole(p, 'funder', 'auditor');
  const allowed = readableFunders(p);
  const wanted = str(req.query.funderId);
  if (wanted) {
    if (!allowed.includes(wanted)) throw notFound('funder');
    return [wanted];
  }
  return allowed;
}

export function mountRoutes(app: Express, deps: { pool: pg.Pool; reader: ReportReader; now?: () => Date }): void {
  const now = deps.now ?? (() => new Date());

  app.get('/v1/reports/compliance', async (req: Request, res: Response) => {
    const funderIds = scopeOf(req);
    const asOf = str(req.query.asOf) ?? todayInMontreal(now());
    if (!isCalendarDate(asOf)) throw new AppError('validation_failed', { en: 'asOf is not a calendar date', fr: "asOf n'est pas une date du calendrier" },
      [fieldError('query.asOf', { en: 'must be a real date YYYY-MM-DD', fr: 'doit être une date réelle AAAA-MM-JJ' })]);
    const format = str(req.query.format) ?? 'json';
    let made;
    try {
      made = await makeReport(deps.reader, { funderIds, programme: str(req.query.programme), asOf, now: now() });
    } catch (err) {
      if (err instanceof ProgrammeNotFound) throw notFound('programme');
      throw err;
    }
    const { report, rows } = made;
    const file = `${messages[report.locale].csvFile}-${asOf}`;
    res.setHeader('cache-control', 'private, no-store');
    switch (format) {
      case 'csv':
        res.type('text/csv; charset=utf-8').setHeader('content-disposition', `attachment; filename="${file}.csv"`);
        res.send(renderCsv(rows, asOf, report.locale));
        return;
      case 'html':
        res.type('text/html; charset=utf-8').send(renderHtml(report));
        return;
      case 'pdf':
        res.type('application/pdf').setHeader('content-disposition', `inline; filename="${file}.pdf"`);
        res.send(await renderPdf(report));
        return;
      default:
        res.json(report);
    }
  });

  app.get('/v1/audit/events', async (req: Request, res: Response) => {
    const [funderId] = auditScope(req);
    res.status(200).type('application/x-ndjson; charset=utf-8').setHeader('cache-control', 'private, no-store');
    // streamed page by page from one snapshot: a ministry's full log never sits in memory
    await exportAudit(deps.pool, funderId!, { from: str(req.query.from), to: str(req.query.to) }, async (page) => {
      if (res.destroyed) return false;
      const ok = res.write(page.map((l) => JSON.stringify(l)).join('\n') + '\n');
      // a reader that hangs up must not pin the snapshot's connection: wait for drain OR close
      if (!ok) await new Promise((resolve) => { res.once('drain', resolve); res.once('close', resolve); });
      return !res.destroyed;
    });
    res.end();
  });

  app.get('/v1/audit/verify', async (req: Request, res: Response) => {
    const [funderId] = auditScope(req);
    res.json(await verifyAudit(deps.pool, funderId!));
  });
}

/** The audit log of one funder: the funder itself, or an auditor with that funder in scope. */
function auditScope(req: Request): string[] {
  const p = principalOf(req);
  requireRole(p, 'funder', 'auditor');
  const funderId = str(req.query.funderId);
  if (!funderId) throw new AppError('validation_failed', { en: 'funderId is required', fr: 'funderId est requis' }, [fieldError('query.funderId', { en: 'required', fr: 'requis' })]);
  if (!readableFunders(p).includes(funderId)) throw notFound('funder');
  return [funderId];
}
