/* The pieces the funder dashboard and the auditor view share: the auditor's are the same without any form. */
import type { Locale } from '@pc/service-kit';
import { todayInMontreal } from '@pc/service-kit';
import { CsrfField } from '../layout';
import type { PageContext } from '../page';
import type { Agreement, ObligationDetail, ObligationList, ReportSummary } from './api';
import { qs } from './api';
import { dash } from './texts';

export type Area = 'funder' | 'auditor';

export const STATUSES = [
  'overdue',
  'due_soon',
  'upcoming',
  'extended',
  'evidence_withdrawn',
  'fulfilled',
  'waived',
  'cancelled',
] as const;
const OPEN = new Set(['upcoming', 'due_soon', 'overdue', 'extended', 'evidence_withdrawn']);
export const SORTS = ['dueDate', '-dueDate', 'status', 'grantee'] as const;

const statusText = (l: Locale, s: string): string => (dash[l].statuses as Record<string, string>)[s] ?? s;
const kindText = (l: Locale, k: string): string => (dash[l].kinds as Record<string, string>)[k] ?? k;

export function formatRate(rate: number | null, l: Locale): string {
  if (rate === null) return dash[l].rateNone;
  const pct = (rate * 100).toFixed(1);
  return l === 'fr' ? `${pct.replace('.', ',')} %` : `${pct}%`;
}

export function formatDate(iso: string | null | undefined, l: Locale): string {
  if (!iso) return '—';
  const d = new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso);
  return new Intl.DateTimeFormat(l === 'fr' ? 'fr-CA' : 'en-CA', {
    dateStyle: 'medium',
    ...(iso.length > 10 ? { timeStyle: 'short' } : {}),
    timeZone: 'America/Montreal',
  }).format(d);
}

function daysText(dueDate: string, status: string, l: Locale): string | null {
  if (!OPEN.has(status)) return null;
  const days = Math.round(
    (Date.parse(`${dueDate}T00:00:00Z`) - Date.parse(`${todayInMontreal()}T00:00:00Z`)) / 86_400_000,
  );
  if (days === 0) return dash[l].today;
  return days < 0 ? dash[l].late(-days) : dash[l].left(days);
}

export function Status({ status, l }: { status: string; l: Locale }) {
  return <span class={`status status-${status}`}>{statusText(l, status)}</span>;
}

/** The area's own navigation, inside the main landmark (the layout's header is shared by every page). */
export function AreaNav({ ctx, area }: { ctx: PageContext; area: Area }) {
  const t = dash[ctx.locale];
  const links =
    area === 'funder'
      ? [
          { href: '/funder', label: t.navDashboard },
          { href: '/funder/import', label: t.navImport },
          { href: '/funder/api-keys', label: t.navKeys },
          { href: '/funder/members', label: t.navMembers },
        ]
      : [
          { href: '/auditor', label: t.navDashboard },
          { href: '/auditor/audit', label: t.navAudit },
        ];
  return (
    <nav aria-label={area === 'funder' ? t.funderTitle : t.auditorTitle} class="area-nav">
      <ul>
        {links.map((k) => (
          <li key={k.href}>
            <a href={k.href} aria-current={ctx.path === k.href ? 'page' : undefined}>
              {k.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function ProgrammeTable({ report, l }: { report: ReportSummary; l: Locale }) {
  const t = dash[l];
  const several = report.scope.funders.length > 1;
  const funderName = (id: string) => report.scope.funders.find((f) => f.id === id)?.name ?? id;
  if (report.byProgramme.length === 0) return <p>{t.noProgramme}</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption>{t.programmesCaption}</caption>
        <thead>
          <tr>
            {several && <th scope="col">{t.funder}</th>}
            <th scope="col">{t.programme}</th>
            <th scope="col">{t.obligationsCount}</th>
            {STATUSES.map((s) => (
              <th scope="col" key={s}>
                {statusText(l, s)}
              </th>
            ))}
            <th scope="col">{t.complianceRate}</th>
          </tr>
        </thead>
        <tbody>
          {report.byProgramme.map((p) => (
            <tr key={`${p.funderId}-${p.programmeCode}`}>
              {several && <td>{funderName(p.funderId)}</td>}
              <th scope="row">{p.programmeCode}</th>
              <td>{p.obligations}</td>
              {STATUSES.map((s) => (
                <td key={s}>{p.byStatus[s] ?? 0}</td>
              ))}
              <td>{formatRate(p.complianceRate, l)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export interface ListQuery {
  status?: string;
  dueAfter?: string;
  dueBefore?: string;
  grantee?: string;
  q?: string;
  sort?: string;
  cursor?: string;
  /** the number of the first row shown (the cursor does not say it) */
  from?: string;
}

interface FilterProps {
  l: Locale;
  q: ListQuery;
  grantees: { granteeId: string; name: string }[];
  action: string;
}

/** The filters: a GET form, so a filtered list is a link that can be kept or shared, and works without JavaScript. */
export function ObligationFilters({ l, q, grantees, action }: FilterProps) {
  const t = dash[l];
  return (
    <form method="get" action={action} class="filters" role="search" aria-label={t.filters}>
      <div class="field">
        <label for="f-status">{t.status}</label>
        <select id="f-status" name="status">
          <option value="">{t.anyStatus}</option>
          {STATUSES.map((s) => (
            <option value={s} selected={q.status === s} key={s}>
              {statusText(l, s)}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-after">{t.dueAfter}</label>
        <input id="f-after" type="date" name="dueAfter" value={q.dueAfter ?? ''} />
      </div>
      <div class="field">
        <label for="f-before">{t.dueBefore}</label>
        <input id="f-before" type="date" name="dueBefore" value={q.dueBefore ?? ''} />
      </div>
      <GranteeFilter l={l} q={q} grantees={grantees} action={action} />
      <div class="field">
        <label for="f-q">{t.text}</label>
        <input id="f-q" type="search" name="q" value={q.q ?? ''} maxLength={200} />
      </div>
      <div class="field">
        <label for="f-sort">{t.sort}</label>
        <select id="f-sort" name="sort">
          {SORTS.map((s) => (
            <option value={s} selected={(q.sort ?? 'dueDate') === s} key={s}>
              {
                {
                  dueDate: t.sortDueDate,
                  '-dueDate': t.sortDueDateDesc,
                  status: t.sortStatus,
                  grantee: t.sortGrantee,
                }[s]
              }
            </option>
          ))}
        </select>
      </div>
      <div class="actions">
        <button type="submit">{t.apply}</button>
        <a href={action}>{t.reset}</a>
      </div>
    </form>
  );
}

/**
 * A select of every grantee is usable for a small funder only: a provincial programme has thousands
 * (a 20,000-option select weighs a megabyte and nobody scrolls it). Beyond GRANTEE_SELECT_MAX, the
 * grantee is chosen from the list itself (each name is a link to its own obligations) and shown here
 * with a way back to all of them.
 */
export const GRANTEE_SELECT_MAX = 100;

function GranteeFilter({ l, q, grantees, action }: FilterProps) {
  const t = dash[l];
  if (grantees.length <= GRANTEE_SELECT_MAX)
    return (
      <div class="field">
        <label for="f-grantee">{t.grantee}</label>
        <select id="f-grantee" name="grantee">
          <option value="">{t.anyGrantee}</option>
          {grantees.map((g) => (
            <option value={g.granteeId} selected={q.grantee === g.granteeId} key={g.granteeId}>
              {g.name}
            </option>
          ))}
        </select>
      </div>
    );
  if (!q.grantee)
    return (
      <div class="field">
        <p class="hint">{t.granteeHint}</p>
      </div>
    );
  return (
    <div class="field">
      <input type="hidden" name="grantee" value={q.grantee} />
      <p>
        {/* the report may not have counted a grantee registered a moment ago: its list still filters */}
        {t.granteeChosen(grantees.find((g) => g.granteeId === q.grantee)?.name ?? '…')} —{' '}
        <a href={`${action}${qs({ ...q, grantee: undefined, cursor: undefined, from: undefined })}`}>
          {t.granteeClear}
        </a>
      </p>
    </div>
  );
}

export function ObligationTable({ l, list, q, area }: { l: Locale; list: ObligationList; q: ListQuery; area: Area }) {
  const t = dash[l];
  const from = Math.max(1, Number(q.from ?? 1) || 1);
  const to = from + list.data.length - 1;
  const keep = {
    status: q.status,
    dueAfter: q.dueAfter,
    dueBefore: q.dueBefore,
    grantee: q.grantee,
    q: q.q,
    sort: q.sort,
  };
  return (
    <section aria-labelledby="obligations-h">
      <h2 id="obligations-h">{t.obligations}</h2>
      {list.data.length === 0 ? (
        <p role="status">{t.noneFound}</p>
      ) : (
        <>
          <p role="status">{t.shown(from, to, list.total)}</p>
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">{t.obligations}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.dueDate}</th>
                  <th scope="col">{t.status}</th>
                  <th scope="col">{t.grantee}</th>
                  <th scope="col">{t.agreement}</th>
                  <th scope="col">{t.kind}</th>
                  <th scope="col">{t.reference}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((o) => {
                  const days = daysText(o.dueDate, o.status, l);
                  return (
                    <tr key={o.id}>
                      <td>
                        {formatDate(o.dueDate, l)}
                        {days && <span class={o.status === 'overdue' ? 'late days' : 'days'}> ({days})</span>}
                      </td>
                      <td>
                        <Status status={o.status} l={l} />
                      </td>
                      <td>
                        <a
                          href={`/${area}${qs({ ...keep, grantee: o.granteeId })}`}
                          aria-label={t.onlyGrantee(o.granteeName)}
                        >
                          {o.granteeName}
                        </a>
                      </td>
                      <td>
                        <a href={`/${area}/agreements/${o.agreementId}#o-${o.id}`}>{o.agreementTitle}</a>
                      </td>
                      <td>{kindText(l, o.kind)}</td>
                      <td>
                        <code>{o.referenceCode}</code>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      <nav class="pager" aria-label={t.obligations}>
        {q.cursor && <a href={`/${area}${qs(keep)}`}>{t.first}</a>}
        {list.nextCursor && (
          <a href={`/${area}${qs({ ...keep, cursor: list.nextCursor, from: to + 1 })}`} rel="next">
            {t.next}
          </a>
        )}
      </nav>
    </section>
  );
}

export function ReportLinks({ l, area, funderId }: { l: Locale; area: Area; funderId?: string }) {
  const t = dash[l];
  return (
    <section aria-labelledby="reports-h">
      <h2 id="reports-h">{t.reports}</h2>
      <p>{t.reportsIntro}</p>
      <ul class="formats">
        {(['pdf', 'csv', 'html', 'json'] as const).map((f) => (
          <li key={f}>
            <a href={`/${area}/report${qs({ format: f, funderId })}`} download={f === 'html' ? undefined : ''}>
              {t[`fmt_${f}`]}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

export interface FormState {
  obligationId: string;
  action: 'extension' | 'waiver';
  values: Record<string, string>;
  errors: { path?: string; message: string }[];
  message?: string;
}

function FieldErrors({ id, errors }: { id: string; errors: string[] }) {
  if (errors.length === 0) return null;
  return (
    <span class="error" id={id}>
      {errors.join(' ')}
    </span>
  );
}

/** The extension and waiver forms of one open obligation (funder only), with the errors of a refused try. */
function ObligationForms({ ctx, o, state }: { ctx: PageContext; o: ObligationDetail; state?: FormState }) {
  const t = dash[ctx.locale];
  const mine = state && state.obligationId === o.id ? state : undefined;
  const errs = (action: string, name: string) =>
    mine && mine.action === action
      ? mine.errors
          .filter((e) => (e.path ?? '').replace(/^body\./, '').replace(/^\//, '') === name)
          .map((e) => e.message)
      : [];
  const general = (action: string) =>
    mine && mine.action === action
      ? [
          ...(mine.message ? [mine.message] : []),
          ...mine.errors
            .filter((e) => !['newDueDate', 'reason'].includes((e.path ?? '').replace(/^body\./, '').replace(/^\//, '')))
            .map((e) => e.message),
        ]
      : [];
  const val = (action: string, k: string) => (mine && mine.action === action ? (mine.values[k] ?? '') : '');
  const ext = {
    date: errs('extension', 'newDueDate'),
    reason: errs('extension', 'reason'),
    general: general('extension'),
  };
  const wav = { reason: errs('waiver', 'reason'), general: general('waiver') };
  const idp = `o-${o.id.slice(0, 8)}`;
  return (
    <div class="obligation-forms">
      <form method="post" action={`/funder/obligations/${o.id}/extension`} class="stack">
        <fieldset>
          <legend>{t.extend}</legend>
          <CsrfField ctx={ctx} />
          {ext.general.length > 0 && (
            <p class="error" role="alert">
              {ext.general.join(' ')}
            </p>
          )}
          <label for={`${idp}-date`}>{t.newDueDate}</label>
          <input
            id={`${idp}-date`}
            type="date"
            name="newDueDate"
            required
            value={val('extension', 'newDueDate')}
            aria-invalid={ext.date.length > 0 ? 'true' : undefined}
            aria-describedby={ext.date.length > 0 ? `${idp}-date-err` : undefined}
          />
          <FieldErrors id={`${idp}-date-err`} errors={ext.date} />
          <label for={`${idp}-ext-reason`}>{t.reason}</label>
          <textarea
            id={`${idp}-ext-reason`}
            name="reason"
            required
            maxLength={2000}
            rows={2}
            aria-invalid={ext.reason.length > 0 ? 'true' : undefined}
            aria-describedby={`${idp}-help${ext.reason.length > 0 ? ` ${idp}-ext-reason-err` : ''}`}
          >
            {val('extension', 'reason')}
          </textarea>
          <FieldErrors id={`${idp}-ext-reason-err`} errors={ext.reason} />
          <button type="submit">{t.extend}</button>
        </fieldset>
      </form>
      <form method="post" action={`/funder/obligations/${o.id}/waiver`} class="stack">
        <fieldset>
          <legend>{t.waive}</legend>
          <CsrfField ctx={ctx} />
          {wav.general.length > 0 && (
            <p class="error" role="alert">
              {wav.general.join(' ')}
            </p>
          )}
          <label for={`${idp}-waive-reason`}>{t.reason}</label>
          <textarea
            id={`${idp}-waive-reason`}
            name="reason"
            required
            maxLength={2000}
            rows={2}
            aria-invalid={wav.reason.length > 0 ? 'true' : undefined}
            aria-describedby={`${idp}-help${wav.reason.length > 0 ? ` ${idp}-waive-reason-err` : ''}`}
          >
            {val('waiver', 'reason')}
          </textarea>
          <FieldErrors id={`${idp}-waive-reason-err`} errors={wav.reason} />
          <button type="submit" class="secondary">
            {t.waive}
          </button>
        </fieldset>
      </form>
      <p id={`${idp}-help`} class="help">
        {t.reasonHelp}
      </p>
    </div>
  );
}

type Row = Record<string, unknown>;
const s = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v));

/** One obligation of an agreement: its status, its history, its evidence, its reminders (and, for a funder, the forms). */
function ObligationSection({
  ctx,
  o,
  area,
  state,
}: {
  ctx: PageContext;
  o: ObligationDetail;
  area: Area;
  state?: FormState;
}) {
  const l = ctx.locale;
  const t = dash[l];
  const transitions = (o.transitions ?? []) as Row[];
  const evidence = (o.evidence ?? []) as Row[];
  const reminders = (o.reminders ?? []) as Row[];
  const h = `o-${o.id}`;
  return (
    <section id={h} aria-labelledby={`${h}-h`} class="obligation">
      <h3 id={`${h}-h`}>
        {kindText(l, o.kind)} — {formatDate(o.dueDate, l)} — <Status status={o.status} l={l} />
      </h3>
      <div class="table-wrap">
        <table>
          <caption>{t.transitions}</caption>
          <thead>
            <tr>
              <th scope="col">{t.at}</th>
              <th scope="col">{t.from}</th>
              <th scope="col">{t.to}</th>
              <th scope="col">{t.dueDate}</th>
              <th scope="col">{t.reason}</th>
            </tr>
          </thead>
          <tbody>
            {transitions.map((tr, i) => (
              <tr key={i}>
                <td>{formatDate(s(tr.at), l)}</td>
                <td>{tr.from ? statusText(l, s(tr.from)) : '—'}</td>
                <td>{statusText(l, s(tr.to))}</td>
                <td>{formatDate(s(tr.dueDate), l)}</td>
                <td>{s(tr.reason) || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4>{t.evidence}</h4>
      {evidence.length === 0 ? (
        <p>{t.noEvidence}</p>
      ) : (
        <ul>
          {evidence.map((e, i) => (
            <li key={i}>
              <a href={s(e.noteUrl)}>{s(e.title) || s(e.noteUrl)}</a> — {t.published} {formatDate(s(e.publishedOn), l)}
              {e.withdrawnAt ? ` — ${t.withdrawn} ${formatDate(s(e.withdrawnAt), l)} (${s(e.withdrawnReason)})` : ''}
            </li>
          ))}
        </ul>
      )}
      <h4>{t.reminders}</h4>
      {reminders.length === 0 ? (
        <p>{t.noReminders}</p>
      ) : (
        <ul>
          {reminders.map((m, i) => (
            <li key={i}>
              {t.stage} {s(m.stageKey)} ({formatDate(s(m.asOf), l)}) — {s(m.status)}
              {Array.isArray(m.deliveries) && m.deliveries.length > 0
                ? ` — ${t.deliveries}: ${(m.deliveries as Row[]).map((d) => `${s(d.outcome)} ${formatDate(s(d.at), l)}`).join(', ')}`
                : ''}
            </li>
          ))}
        </ul>
      )}
      {area === 'funder' &&
        (OPEN.has(o.status) ? <ObligationForms ctx={ctx} o={o} state={state} /> : <p class="help">{t.closed}</p>)}
    </section>
  );
}

export function AgreementView({
  ctx,
  agreement: a,
  obligations,
  area,
  state,
  notice,
}: {
  ctx: PageContext;
  agreement: Agreement;
  obligations: ObligationDetail[];
  area: Area;
  state?: FormState;
  notice?: string;
}) {
  const l = ctx.locale;
  const t = dash[l];
  const history = (a.history ?? []) as Row[];
  return (
    <>
      <AreaNav ctx={ctx} area={area} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {area === 'auditor' && <p class="notice">{t.readOnly}</p>}
      <dl class="facts">
        <dt>{t.agreement}</dt>
        <dd>{a.title}</dd>
        <dt>{t.grantee}</dt>
        <dd>{a.grantee.name}</dd>
        <dt>{t.programme}</dt>
        <dd>{a.programmeCode}</dd>
        <dt>{t.reference}</dt>
        <dd>
          <code>{a.referenceCode}</code>
        </dd>
        <dt>{t.externalRef}</dt>
        <dd>{a.externalRef}</dd>
        <dt>{t.period}</dt>
        <dd>
          {formatDate(a.startDate, l)} – {formatDate(a.endDate, l)}
        </dd>
        <dt>{t.agreementStatus}</dt>
        <dd>{a.status}</dd>
      </dl>
      <h2>{t.obligations}</h2>
      {obligations.map((o) => (
        <ObligationSection ctx={ctx} o={o} area={area} state={state} key={o.id} />
      ))}
      <h2>{t.history}</h2>
      {history.length === 0 ? (
        <p>{t.noHistory}</p>
      ) : (
        <ul>
          {history.map((h, i) => (
            <li key={i}>
              {formatDate(s(h.at), l)} — {s(h.kind)}
              {Array.isArray(h.changes) && h.changes.length > 0 ? ` (${(h.changes as string[]).join(', ')})` : ''}
              {h.reason ? ` — ${s(h.reason)}` : ''}
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href={`/${area}`}>{t.back}</a>
      </p>
    </>
  );
}
