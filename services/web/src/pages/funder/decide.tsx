import { AppError } from '@pc/service-kit';
import { page, type PageContext, type PageResult } from '../page';
import { field, idParam, problemOf, read, type ObligationDetail } from './api';
import { agreementScreen } from './screens';

/**
 * An extension or a waiver, with its reason, posted from the agreement page. Done → back to the
 * agreement (303) with a notice; refused by the obligations service (422 naming the field, 409 on a
 * closed obligation) → the agreement page again with the error next to the field and what was typed.
 */
async function decide(ctx: PageContext, action: 'extension' | 'waiver'): Promise<PageResult> {
  const id = idParam(ctx);
  const values: Record<string, string> =
    action === 'extension'
      ? { newDueDate: field(ctx, 'newDueDate'), reason: field(ctx, 'reason') }
      : { reason: field(ctx, 'reason') };
  const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
  const r = await ctx.call!('obligations', `/v1/obligations/${id}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.ok) {
    const o = (await r.json()) as ObligationDetail;
    return {
      redirect: `/funder/agreements/${o.agreementId}?done=${action === 'extension' ? 'extended' : 'waived'}#o-${id}`,
    };
  }
  const err = await problemOf(r);
  if (r.status !== 422 && r.status !== 409) throw err;
  const o = await read<ObligationDetail>(ctx, 'obligations', `/v1/obligations/${id}`);
  const errors = (err.errors ?? []).map((e) => ({ path: e.path, message: e.message }));
  if (r.status === 422 && errors.length === 0) throw err;
  return agreementScreen(ctx, 'funder', {
    id: o.agreementId,
    status: r.status,
    state: { obligationId: id, action, values, errors, message: errors.length === 0 ? message(err, ctx) : undefined },
  });
}

const message = (e: AppError, ctx: PageContext): string => (ctx.locale === 'fr' && e.fr ? e.fr : e.message);

export const extendPage = page({
  method: 'POST',
  path: '/funder/obligations/:id/extension',
  access: ['funder_officer'],
  handle: (ctx) => decide(ctx, 'extension'),
});

export const waivePage = page({
  method: 'POST',
  path: '/funder/obligations/:id/waiver',
  access: ['funder_officer'],
  handle: (ctx) => decide(ctx, 'waiver'),
});
