import { AppError } from '@pc/service-kit';
import { page } from '../page';
import { param, problemOf, qs, read, type ReportSummary } from '../funder/api';
import { dash } from '../funder/texts';
import { AreaNav } from '../funder/views';

interface Verification {
  intact: boolean;
  events: number;
}

/** Each funder of the scope: its audit chain verified now, and the export link. */
export const auditorAuditPage = page({
  method: 'GET',
  path: '/auditor/audit',
  access: ['auditor'],
  handle: async (ctx) => {
    const t = dash[ctx.locale];
    const funders = ctx.person!.funderIds;
    // funder names: the report's scope says them (the auditor reads nothing else about funders)
    const report = await read<ReportSummary>(ctx, 'reports', '/v1/reports/compliance?format=json');
    const checks = await Promise.all(
      funders.map(async (id) => ({
        id,
        name: report.scope.funders.find((f) => f.id === id)?.name ?? id,
        v: await read<Verification>(ctx, 'reports', `/v1/audit/verify${qs({ funderId: id })}`),
      })),
    );
    return {
      title: t.auditTitle,
      body: (
        <>
          <AreaNav ctx={ctx} area="auditor" />
          <p>{t.auditIntro}</p>
          {checks.map((c) => (
            <section key={c.id} aria-labelledby={`f-${c.id}`}>
              <h2 id={`f-${c.id}`}>{c.name}</h2>
              <p class={c.v.intact ? 'ok' : 'late'} role="status">
                {t.verify} : {c.v.intact ? t.intact(c.v.events) : t.broken(c.v.events)}
              </p>
              <p>
                <a href={`/auditor/audit/export${qs({ funderId: c.id })}`} download="">
                  {t.exportAudit}
                </a>
              </p>
            </section>
          ))}
        </>
      ),
    };
  },
});

/** The audit export of one funder of the scope (NDJSON, as the reports service streams it). */
export const auditorAuditExportPage = page({
  method: 'GET',
  path: '/auditor/audit/export',
  access: ['auditor'],
  handle: async (ctx) => {
    const funderId = param(ctx, 'funderId');
    if (!funderId || !ctx.person!.funderIds.includes(funderId))
      throw new AppError('not_found', { fr: 'Cette page n’existe pas.', en: 'This page does not exist.' });
    const r = await ctx.call!('reports', `/v1/audit/events${qs({ funderId })}`);
    if (!r.ok) throw await problemOf(r);
    return {
      raw: Buffer.from(await r.arrayBuffer()),
      contentType: 'application/x-ndjson; charset=utf-8',
      headers: { 'content-disposition': `attachment; filename="audit-${funderId}.ndjson"` },
    };
  },
});
