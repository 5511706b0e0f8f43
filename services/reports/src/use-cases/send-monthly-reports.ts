import { eventId } from '@pc/contracts';
import { enqueue, type HandlerResult, type SqlTx } from '@pc/bus';
import { todayInMontreal, type Logger } from '@pc/service-kit';
import type { Mailer } from '../adapters/mailer';
import type { FunderInfo } from '../adapters/report-store';
import type { ReportDispatchStore } from '../adapters/report-dispatch-store';
import { renderCsv } from '../adapters/render-csv';
import { renderHtml } from '../domain/render-html';
import { renderStatusChart } from '../adapters/render-chart';
import { formatRate, messages } from '../domain/i18n';
import { scrubEmails, type Pseudonym } from '../domain/personal-data';
import { auditHeadText } from '../domain/audit-anchor';
import type { ComplianceReport } from '../domain/compliance';
import { makeComplianceReport, type ReportReader } from './make-compliance-report';

export interface MonthlyReportDeps {
  reader: ReportReader & { fundersWithRecipients(): Promise<FunderInfo[]> };
  dispatches: ReportDispatchStore;
  mailer: Mailer;
  /** publish the outbox now (the "running" event) rather than at the relay's next poll */
  kick: () => void;
  logger: Logger;
  /** names an address a server's refusal quotes, in the job's error and the log */
  pseudonym: Pseudonym;
  now?: () => Date;
}

/**
 * A job of kind "reports" (`asOf` null: today in Montréal): emails each funder with report
 * recipients its compliance report (HTML body, CSV attached). Both, and the text part, carry the
 * funder's audit chain head: every month a copy of it leaves the database for the funder's own
 * mailboxes, the anchor a later verification is checked against. Emits job.finished running, then
 * succeeded/failed with counts, the last in the job's transaction `tx`. A dispatch row per (job,
 * funder) is committed right after each send, so a redelivered job does not email a funder twice.
 */
export function sendMonthlyReports(deps: MonthlyReportDeps) {
  const now = deps.now ?? (() => new Date());
  return async (d: { jobId: string; asOf: string | null }, tx: SqlTx): Promise<HandlerResult> => {
    const finished = (
      status: 'running' | 'succeeded' | 'failed',
      counts: Record<string, number>,
      error: string | null,
    ) => ({
      type: 'job.finished.v1' as const,
      id: eventId('reports', 'job.finished', d.jobId, status),
      subject: d.jobId,
      data: { jobId: d.jobId, kind: 'reports' as const, status, counts, error, at: now().toISOString() },
    });
    await deps.dispatches.emitNow([finished('running', {}, null)]);
    deps.kick();

    const asOf = d.asOf ?? todayInMontreal(now());
    const counts = { funders: 0, emailsSent: 0, recipients: 0, rejectedRecipients: 0, alreadySent: 0, failed: 0 };
    const errors: string[] = [];
    for (const funder of await deps.reader.fundersWithRecipients()) {
      counts.funders += 1;
      if (await deps.dispatches.sent(d.jobId, funder.id)) {
        counts.alreadySent += 1;
        continue;
      }
      try {
        const { report, rows } = await makeComplianceReport(deps.reader, { funderIds: [funder.id], asOf, now: now() });
        const m = messages[report.locale];
        const messageId = `<report-${d.jobId}-${funder.id}@praxis-compliance>`;
        const { rejected } = await deps.mailer.send({
          to: funder.reportRecipients,
          subject: m.emailSubject(funder.name, asOf),
          html: renderHtml(report, await renderStatusChart(report)),
          text: withAuditHead(
            m.emailText(
              formatRate(report.totals.complianceRate, report.locale),
              report.totals.dueByAsOf,
              report.totals.overdue,
            ),
            report,
          ),
          messageId,
          attachments: [
            {
              filename: `${m.csvFile}-${asOf}.csv`,
              content: renderCsv(rows, asOf, report.locale, report.auditHead),
              contentType: 'text/csv; charset=utf-8',
            },
          ],
        });
        await deps.dispatches.record({
          jobId: d.jobId,
          funderId: funder.id,
          recipients: funder.reportRecipients.length,
          messageId,
        });
        counts.emailsSent += 1;
        counts.recipients += funder.reportRecipients.length - rejected.length;
        counts.rejectedRecipients += rejected.length;
      } catch (err) {
        counts.failed += 1;
        const msg = scrubEmails((err as Error).message, deps.pseudonym);
        errors.push(`${funder.id}: ${msg}`);
        deps.logger.warn({ funderId: funder.id, jobId: d.jobId, err: msg }, 'monthly report email failed');
      }
    }
    await enqueue(tx, [
      errors.length
        ? finished('failed', counts, errors.join('; ').slice(0, 2000))
        : finished('succeeded', counts, null),
    ]);
    return 'done';
  };
}

/** The email's text part ends with the audit chain head (the HTML part has it in the report). */
function withAuditHead(text: string, report: ComplianceReport): string {
  if (!report.auditHead) return text;
  const a = auditHeadText(report.auditHead, report.locale);
  const colon = report.locale === 'fr' ? ' : ' : ': ';
  return `${text}\n\n${a.heading}${colon}${a.line}\n${a.keep}`;
}
