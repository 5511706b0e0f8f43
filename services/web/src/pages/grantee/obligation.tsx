import { AppError } from '@pc/service-kit';
import { readJson } from '../../adapters/services';
import { CsrfField } from '../layout';
import { page, type PageContext } from '../page';
import { granteeTexts } from './texts';
import { FunderName, isOpen, Reference, When, type MyObligation } from './index';

interface Detail extends MyObligation {
  reminders: Array<{
    reminderId: string;
    offsetDays: number;
    deliveries: Array<{ outcome: string; at: string }>;
  }>;
}
interface Check {
  name: keyof (typeof granteeTexts)['fr']['checks'];
  passed: boolean;
  detail?: string;
}
interface Declared {
  accepted: boolean;
  checks: Check[];
  obligation: MyObligation;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const idOf = (ctx: PageContext): string => {
  const id = String(ctx.req.params.id);
  if (!UUID.test(id)) throw new AppError('not_found', { fr: 'Obligation introuvable.', en: 'Obligation not found.' });
  return id;
};

function Checks({ ctx, result }: { ctx: PageContext; result: Declared }) {
  const t = granteeTexts[ctx.locale];
  return (
    <section aria-labelledby="result" class="result">
      <h2 id="result">{t.resultTitle}</h2>
      <p role="status" class={result.accepted ? 'ok' : 'late'}>
        {result.accepted ? t.accepted : t.refused}
      </p>
      <ul class="checks">
        {result.checks.map((c) => (
          <li key={c.name} data-check={c.name}>
            <strong>{t.checks[c.name] ?? c.name}</strong> : {c.passed ? t.passed : t.failed}
            {c.detail && <span class="detail"> — {c.detail}</span>}
          </li>
        ))}
      </ul>
      <p>{t.newStatus(t.statuses[result.obligation.status])}</p>
    </section>
  );
}

async function detailPage(ctx: PageContext, id: string, result?: Declared, urlValue = '') {
  const t = granteeTexts[ctx.locale];
  const o = await readJson<Detail>(await ctx.call!('obligations', `/v1/obligations/${id}`));
  // received: a stage whose email the notifier reported sent (to this agreement's contacts)
  const sent = o.reminders.flatMap((r) =>
    r.deliveries
      .filter((d) => d.outcome === 'sent')
      .slice(0, 1)
      .map((d) => ({ id: r.reminderId, offsetDays: r.offsetDays, on: d.at.slice(0, 10) })),
  );
  return {
    title: `${t.kinds[o.kind]} · ${o.agreementTitle}`,
    body: (
      <>
        {result && <Checks ctx={ctx} result={result} />}
        <dl class="facts">
          <dt>{t.funder}</dt>
          <dd>
            <FunderName o={o} locale={ctx.locale} />
          </dd>
          <dt>{t.programme}</dt>
          <dd>{o.programmeCode}</dd>
          <dt>{t.agreement}</dt>
          <dd>
            {o.agreementTitle} ({o.externalRef})
          </dd>
          <dt>{t.due}</dt>
          <dd>
            {o.dueDate} — <When o={o} locale={ctx.locale} />
          </dd>
          <dt>{t.status}</dt>
          <dd>{t.statuses[o.status]}</dd>
          <dt>{t.reference}</dt>
          <dd>
            <Reference o={o} locale={ctx.locale} />
          </dd>
        </dl>
        {isOpen(o) && (
          <section aria-labelledby="declare">
            <h2 id="declare">{t.declareTitle}</h2>
            <form method="post" action={`/grantee/obligations/${o.id}/evidence`}>
              <CsrfField ctx={ctx} />
              <p id="url-help">{t.declareHelp}</p>
              <p>
                <label for="url">{t.url}</label>
                <input id="url" name="url" type="url" required value={urlValue} aria-describedby="url-help" />
              </p>
              <button type="submit">{t.declare}</button>
            </form>
          </section>
        )}
        <section aria-labelledby="reminders">
          <h2 id="reminders">{t.remindersTitle}</h2>
          {sent.length === 0 ? (
            <p>{t.noReminders}</p>
          ) : (
            <ul>
              {sent.map((r) => (
                <li key={r.id}>{t.reminderOn(r.on, r.offsetDays)}</li>
              ))}
            </ul>
          )}
        </section>
        <p>
          <a href="/grantee">{t.back}</a>
        </p>
      </>
    ),
  };
}

export const granteeObligationPage = page({
  method: 'GET',
  path: '/grantee/obligations/:id',
  access: ['grantee_contact'],
  handle: (ctx) => detailPage(ctx, idOf(ctx)),
});

/**
 * The declaration: the obligations service checks the URL (every check, in the page's language) and
 * fulfils the obligation when all pass. The answer is the obligation's page with the checks on top
 * (not a redirect: the result is shown once; a reload asks before resubmitting, and a resubmission
 * of an accepted note is refused as not open).
 */
export const declareEvidencePage = page({
  method: 'POST',
  path: '/grantee/obligations/:id/evidence',
  access: ['grantee_contact'],
  handle: async (ctx) => {
    const id = idOf(ctx);
    const url = String((ctx.req.body as Record<string, unknown>).url ?? '').trim();
    const res = await ctx.call!('obligations', `/v1/obligations/${id}/evidence`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });
    if (res.status === 422) {
      // the URL itself is malformed: shown as a refused check of its form, with the service's words
      const problem = (await res.json()) as { errors?: Array<{ message: string }>; detail?: string };
      const detail = problem.errors?.map((e) => e.message).join(' ; ') ?? problem.detail ?? '';
      const o = await readJson<MyObligation>(await ctx.call!('obligations', `/v1/obligations/${id}`));
      const out = await detailPage(
        ctx,
        id,
        { accepted: false, checks: [{ name: 'host_allowed', passed: false, detail }], obligation: o },
        url,
      );
      return { ...out, status: 422 };
    }
    const result = await readJson<Declared>(res);
    return detailPage(ctx, id, result, result.accepted ? '' : url);
  },
});
