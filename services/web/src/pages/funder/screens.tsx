/*
 * The dashboard, agreement and report screens, built for an area: the funder's (with its forms) and
 * the auditor's (the same reads over its scope, without any form). Each page file of funder/ and
 * auditor/ is one of these with its path and access.
 */
import { AppError } from '@pc/service-kit';
import type { PageContext, PageResult } from '../page';
import {
  idParam,
  param,
  problemOf,
  qs,
  read,
  type Agreement,
  type ObligationDetail,
  type ObligationList,
  type ReportSummary,
} from './api';
import { dash } from './texts';
import {
  AgreementView,
  AreaNav,
  ObligationFilters,
  ObligationTable,
  ProgrammeTable,
  ReportLinks,
  SORTS,
  STATUSES,
  type Area,
  type FormState,
  type ListQuery,
} from './views';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The page's filters as the list accepts them: a value the form cannot have produced is dropped, not sent. */
function listQuery(ctx: PageContext): ListQuery {
  const status = param(ctx, 'status');
  const sort = param(ctx, 'sort');
  const date = (k: string) => {
    const v = param(ctx, k);
    return v && DATE.test(v) ? v : undefined;
  };
  const grantee = param(ctx, 'grantee');
  return {
    status: status && (STATUSES as readonly string[]).includes(status) ? status : undefined,
    sort: sort && (SORTS as readonly string[]).includes(sort) ? sort : undefined,
    dueAfter: date('dueAfter'),
    dueBefore: date('dueBefore'),
    grantee: grantee && /^[0-9a-f-]{36}$/i.test(grantee) ? grantee : undefined,
    q: param(ctx, 'q')?.slice(0, 200),
    cursor: param(ctx, 'cursor'),
    from: param(ctx, 'from'),
  };
}

export async function dashboardScreen(ctx: PageContext, area: Area): Promise<PageResult> {
  const t = dash[ctx.locale];
  const q = listQuery(ctx);
  const [report, list] = await Promise.all([
    read<ReportSummary>(ctx, 'reports', '/v1/reports/compliance?format=json'),
    read<ObligationList>(
      ctx,
      'obligations',
      `/v1/obligations${qs({ status: q.status, dueAfter: q.dueAfter, dueBefore: q.dueBefore, grantee: q.grantee, q: q.q, sort: q.sort, cursor: q.cursor, limit: 50 })}`,
    ),
  ]);
  const grantees = [...report.grantees].sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  return {
    title: area === 'funder' ? t.funderTitle : t.auditorTitle,
    body: (
      <>
        <AreaNav ctx={ctx} area={area} />
        {area === 'auditor' && <p class="notice">{t.readOnly}</p>}
        <section aria-labelledby="programmes-h">
          <h2 id="programmes-h">{t.programmes}</h2>
          <ProgrammeTable report={report} l={ctx.locale} />
        </section>
        <ObligationFilters l={ctx.locale} q={q} grantees={grantees} action={`/${area}`} />
        <ObligationTable l={ctx.locale} list={list} q={q} area={area} />
        {area === 'funder' ? (
          <ReportLinks l={ctx.locale} area={area} />
        ) : (
          report.scope.funders.map((f) => (
            <div key={f.id}>
              <h2 class="funder-name">{f.name}</h2>
              <ReportLinks l={ctx.locale} area={area} funderId={f.id} />
            </div>
          ))
        )}
      </>
    ),
  };
}

/** An agreement and each of its obligations in full (transitions, evidence, reminders). */
export async function agreementScreen(
  ctx: PageContext,
  area: Area,
  opts: { id?: string; state?: FormState; notice?: string; status?: number } = {},
): Promise<PageResult> {
  const id = opts.id ?? idParam(ctx);
  const agreement = await read<Agreement>(ctx, 'agreements', `/v1/agreements/${id}`);
  // one agreement holds at most 20 requirements of count ≤ 20: a bounded fan-out, in parallel
  const obligations = await Promise.all(
    agreement.obligations.map((o) => read<ObligationDetail>(ctx, 'obligations', `/v1/obligations/${o.id}`)),
  );
  return {
    status: opts.status,
    title: dash[ctx.locale].agreementTitle(agreement.referenceCode),
    body: (
      <AgreementView
        ctx={ctx}
        agreement={agreement}
        obligations={obligations}
        area={area}
        state={opts.state}
        notice={opts.notice}
      />
    ),
  };
}

const FORMATS = { json: 'application/json', csv: 'text/csv', html: 'text/html', pdf: 'application/pdf' } as const;

/** The compliance report in one format, passed through as the reports service wrote it (file name included). */
export async function reportDownload(ctx: PageContext): Promise<PageResult> {
  const f = param(ctx, 'format') ?? 'pdf';
  if (!(f in FORMATS)) throw new AppError('not_found', { fr: 'Format inconnu.', en: 'Unknown format.' });
  const funderId = param(ctx, 'funderId');
  const r = await ctx.call!('reports', `/v1/reports/compliance${qs({ format: f, funderId })}`);
  if (!r.ok) throw await problemOf(r);
  const headers: Record<string, string> = {};
  const disposition = r.headers.get('content-disposition');
  if (disposition) headers['content-disposition'] = disposition;
  else if (f === 'json') headers['content-disposition'] = 'attachment; filename="rapport-conformite.json"';
  return {
    raw: Buffer.from(await r.arrayBuffer()),
    contentType: r.headers.get('content-type') ?? FORMATS[f as keyof typeof FORMATS],
    headers,
  };
}
