import type { ComponentChildren } from 'preact';
import { todayInMontreal, type Locale } from '@pc/service-kit';
import { readJson } from '../../adapters/services';
import { CsrfField } from '../layout';
import { page, type PageContext } from '../page';
import { granteeTexts } from './texts';

/** An obligation as `/v1/me/obligations` and `/v1/obligations/{id}` answer it (the fields the pages show). */
export interface MyObligation {
  id: string;
  agreementId: string;
  funderId: string;
  /** null until the obligations service has the funder's registration (a moment after it is made) */
  funderName: string | null;
  programmeCode: string;
  externalRef: string;
  referenceCode: string;
  agreementTitle: string;
  kind: 'learning_note' | 'mid_term_note' | 'final_note';
  dueDate: string;
  status: keyof (typeof granteeTexts)['fr']['statuses'];
  late: boolean | null;
}

/** The columns of the grantee's table, in order (each a text of the catalog: its heading, and its label on a phone). */
const COLUMNS = ['funder', 'programme', 'agreement', 'what', 'due', 'when', 'status', 'reference'] as const;

const OPEN = new Set(['upcoming', 'due_soon', 'overdue', 'extended', 'evidence_withdrawn']);
export const isOpen = (o: Pick<MyObligation, 'status'>): boolean => OPEN.has(o.status);

/** Days from today (Montréal) to `date`: negative once it is past. */
export function daysUntil(date: string, today = todayInMontreal()): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
}

export function When({ o, locale }: { o: MyObligation; locale: Locale }) {
  const t = granteeTexts[locale];
  if (!isOpen(o)) return <span>—</span>;
  const d = daysUntil(o.dueDate);
  return d < 0 ? <span class="late">{t.daysLate(-d)}</span> : <span>{t.daysLeft(d)}</span>;
}

/**
 * Whose obligation it is: the funder's name, as the obligations service answers it with the
 * obligation (so a contact reads the names of its own obligations' funders, and no other).
 */
export function FunderName({ o, locale }: { o: MyObligation; locale: Locale }) {
  return o.funderName ? <span>{o.funderName}</span> : <span class="muted">{granteeTexts[locale].funderUnknown}</span>;
}

/** The reference code, with a copy button the script shows (hidden, and useless, without JavaScript). */
export function Reference({ o, locale }: { o: MyObligation; locale: Locale }) {
  const t = granteeTexts[locale];
  const id = `ref-${o.id}`;
  return (
    <span class="ref-wrap">
      <code class="ref" id={id}>
        {o.referenceCode}
      </code>{' '}
      <button type="button" class="copy secondary" data-copy={id} data-done={t.copied} hidden>
        {t.copy}
        <span class="visually-hidden"> {o.referenceCode}</span>
      </button>
    </span>
  );
}

async function myObligations(ctx: PageContext): Promise<MyObligation[]> {
  const out: MyObligation[] = [];
  let cursor: string | null = null;
  // a contact has a handful of obligations; the pages read them all (at most 10 pages of 100)
  for (let i = 0; i < 10; i++) {
    const q: string = `/v1/me/obligations?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const body: { data: MyObligation[]; nextCursor: string | null } = await readJson<{
      data: MyObligation[];
      nextCursor: string | null;
    }>(await ctx.call!('obligations', q));
    out.push(...body.data);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return out;
}

export function CalendarSection({ ctx, active, secret }: { ctx: PageContext; active: boolean; secret?: string }) {
  const t = granteeTexts[ctx.locale];
  const https = secret ? `${ctx.deps.cfg.PUBLIC_BASE_URL.replace(/\/+$/, '')}/calendar/${secret}.ics` : '';
  return (
    <section aria-labelledby="calendar">
      <h2 id="calendar">{t.calendarTitle}</h2>
      <p>{t.calendarIntro}</p>
      {secret ? (
        <>
          <p role="status">{t.calendarShown}</p>
          <dl>
            <dt>{t.calendarWebcal}</dt>
            <dd>
              <a href={https.replace(/^https?:/, 'webcal:')} id="calendar-webcal">
                {https.replace(/^https?:/, 'webcal:')}
              </a>
            </dd>
            <dt>{t.calendarHttps}</dt>
            <dd>
              <code id="calendar-https">{https}</code>
            </dd>
          </dl>
        </>
      ) : (
        <p>{active ? t.calendarActive : t.calendarNone}</p>
      )}
      <form method="post" action="/grantee/calendar" class="inline">
        <CsrfField ctx={ctx} />
        <button type="submit">{active || secret ? t.calendarRegenerate : t.calendarCreate}</button>
      </form>{' '}
      {(active || secret) && (
        <form method="post" action="/grantee/calendar/revoke" class="inline">
          <CsrfField ctx={ctx} />
          <button type="submit" class="secondary">
            {t.calendarRevoke}
          </button>
        </form>
      )}
    </section>
  );
}

/** The grantee page every reminder links to: the obligations of the agreements that list this contact. */
export async function granteeHome(ctx: PageContext, extra: { secret?: string; notice?: string } = {}) {
  const t = granteeTexts[ctx.locale];
  const person = ctx.person!;
  const [obligations, active] = await Promise.all([myObligations(ctx), ctx.deps.calendars.hasActive(person.email)]);
  return {
    title: t.title,
    body: (
      <>
        {extra.notice && (
          <p class="notice" role="status">
            {extra.notice}
          </p>
        )}
        <p>{t.intro}</p>
        {obligations.length === 0 ? (
          <p>{t.none}</p>
        ) : (
          // On a phone each row is a card of label: value lines (the grantee's page is read there most);
          // the roles are written out because a table whose rows are displayed as blocks loses them.
          <div class="table-wrap">
            <table class="mine stack" role="table">
              <thead role="rowgroup">
                <tr role="row">
                  {COLUMNS.map((c) => (
                    <th scope="col" role="columnheader" key={c}>
                      {t[c]}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody role="rowgroup">
                {obligations.map((o) => {
                  const cells: Record<(typeof COLUMNS)[number], ComponentChildren> = {
                    funder: <FunderName o={o} locale={ctx.locale} />,
                    programme: o.programmeCode,
                    agreement: (
                      <>
                        {o.agreementTitle} <span class="muted">({o.externalRef})</span>
                      </>
                    ),
                    what: <a href={`/grantee/obligations/${o.id}`}>{t.kinds[o.kind]}</a>,
                    due: o.dueDate,
                    when: <When o={o} locale={ctx.locale} />,
                    status: t.statuses[o.status],
                    reference: <Reference o={o} locale={ctx.locale} />,
                  };
                  return (
                    <tr key={o.id} role="row">
                      {COLUMNS.map((c) => (
                        <td role="cell" data-label={t[c]} key={c}>
                          {/* one element: on a phone the cell is a grid of label and value */}
                          <span>{cells[c]}</span>
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        <CalendarSection ctx={ctx} active={active} secret={extra.secret} />
      </>
    ),
  };
}

export const granteePage = page({
  method: 'GET',
  path: '/grantee',
  access: ['grantee_contact'],
  handle: (ctx) => granteeHome(ctx),
});
