import { eventId, type EventData } from '@pc/contracts';
import { enqueue, type HandlerResult } from '@pc/bus';
import { pseudonymize, todayInMontreal, type Logger } from '@pc/service-kit';
import type { PrismaClient, Tx } from '../adapters/prisma';
import type { Mailer } from '../adapters/mailer';
import type { ReportStore } from '../adapters/report-store';
import { makeReport } from '../domain/make-report';
import { renderHtml } from '../domain/render-html';
import { formatRate, messages } from '../domain/i18n';
import { renderCsv } from '../adapters/render-csv';

export interface JobDeps { prisma: PrismaClient; store: ReportStore; mailer: Mailer; kick: () => void; logger: Logger; now?: () => Date }

/**
 * job.requested.v1 kind "reports": emails each funder with report recipients its compliance report
 * (HTML body, CSV attached). Emits job.finished running, then succeeded/failed with counts. A
 * dispatch row per (job, funder) is committed right after each send, so a redelivered job does not
 * email a funder twice.
 */
export function sendMonthlyReports(deps: JobDeps) {
  const now = deps.now ?? (() => new Date());
  return async (d: EventData<'job.requested.v1'>, tx: Tx): Promise<HandlerResult> => {
    if (d.kind !== 'reports') return 'skipped';
    const finished = (status: 'running' | 'succeeded' | 'failed', counts: Record<string, number>, error: string | null) => ({
      type: 'job.finished.v1' as const, id: eventId('reports', 'job.finished', d.jobId, status), subject: d.jobId,
      data: { jobId: d.jobId, kind: 'reports' as const, status, counts, error, at: now().toISOString() },
    });
    await deps.prisma.$transaction((t) => enqueue(t, [finished('running', {}, null)]));
    deps.kick();

    const asOf = d.asOf ?? todayInMontreal(now());
    const counts = { funders: 0, emailsSent: 0, recipients: 0, rejectedRecipients: 0, alreadySent: 0, failed: 0 };
    const errors: string[] = [];
    for (const funder of await deps.store.fundersWithRecipients()) {
      counts.funders += 1;
      const done = await deps.prisma.reportDispatch.findUnique({ where: { jobId_funderId: { jobId: d.jobId, funderId: funder.id } } });
      if (done) { counts.alreadySent += 1; continue; }
      try {
        const { report, rows } = await makeReport(deps.store, { funderIds: [funder.id], asOf, now: now() });
        const m = messages[report.locale];
        const messageId = `<report-${d.jobId}-${funder.id}@praxis-compliance>`;
        const { rejected } = await deps.mailer.send({
          to: funder.reportRecipients, subject: m.emailSubject(funder.name, asOf), html: renderHtml(report),
          text: m.emailText(formatRate(report.totals.complianceRate, report.locale), report.totals.dueByAsOf, report.totals.overdue),
          messageId,
          attachments: [{ filename: `${m.csvFile}-${asOf}.csv`, content: renderCsv(rows, asOf, report.locale), contentType: 'text/csv; charset=utf-8' }],
        });
        await deps.prisma.reportDispatch.create({ data: { jobId: d.jobId, funderId: funder.id, recipients: funder.reportRecipients.length, messageId } });
        counts.emailsSent += 1;
        counts.recipients += funder.reportRecipients.length - rejected.length;
        counts.rejectedRecipients += rejected.length;
      } catch (err) {
        counts.failed += 1;
        const msg = (err as Error).message.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, (x) => pseudonymize(x));
        errors.push(`${funder.id}: ${msg}`);
        deps.logger.warn({ funderId: funder.id, jobId: d.jobId, err: msg }, 'monthly report email failed');
      }
    }
    await enqueue(tx, [errors.length
      ? finished('failed', counts, errors.join('; ').slice(0, 2000))
      : finished('succeeded', counts, null)]);
    return 'done';
  };
}
