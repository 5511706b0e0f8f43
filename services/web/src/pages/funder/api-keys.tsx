import { page, type PageContext, type PageResult } from '../page';
import { CsrfField } from '../layout';
import { field, idParam, param, problemOf, read, type ApiKeySummary } from './api';
import { dash } from './texts';
import { AreaNav, formatDate } from './views';

/**
 * The funder's API keys, managed from the page through the edge (which owns them), as the signed-in
 * officer: listed without secrets, created (the token shown this once, on the answer page itself,
 * never in a URL), revoked.
 */
async function keysScreen(
  ctx: PageContext,
  extra: { token?: string; error?: string; notice?: string } = {},
  status?: number,
): Promise<PageResult> {
  const t = dash[ctx.locale];
  const { data } = await read<{ data: ApiKeySummary[] }>(ctx, 'edge', '/v1/api-keys');
  return {
    status,
    title: t.keysTitle,
    body: (
      <>
        <AreaNav ctx={ctx} area="funder" />
        <p>{t.keysIntro}</p>
        {extra.notice && (
          <p class="notice" role="status">
            {extra.notice}
          </p>
        )}
        {extra.token && (
          <div class="notice" role="status">
            <p>{t.tokenOnce}</p>
            <p>
              <code id="new-token">{extra.token}</code>{' '}
              <button type="button" class="copy secondary" data-copy="new-token" hidden>
                {t.copy}
              </button>
            </p>
          </div>
        )}
        <form method="post" action="/funder/api-keys" class="stack">
          <CsrfField ctx={ctx} />
          <label for="key-label">{t.label}</label>
          <input
            id="key-label"
            type="text"
            name="label"
            required
            maxLength={200}
            aria-invalid={extra.error ? 'true' : undefined}
            aria-describedby={extra.error ? 'key-label-err' : undefined}
          />
          {extra.error && (
            <span class="error" id="key-label-err">
              {extra.error}
            </span>
          )}
          <button type="submit">{t.createKey}</button>
        </form>
        {data.length === 0 ? (
          <p>{t.noKeys}</p>
        ) : (
          <div class="table-wrap">
            <table>
              <caption>{t.keysTitle}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.label}</th>
                  <th scope="col">{t.created}</th>
                  <th scope="col">{t.status}</th>
                  <th scope="col">
                    <span class="visually-hidden">{t.revoke}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.map((k) => (
                  <tr key={k.id}>
                    <th scope="row">{k.label}</th>
                    <td>{formatDate(k.createdAt, ctx.locale)}</td>
                    <td>{k.revokedAt ? `${t.revokedAt} ${formatDate(k.revokedAt, ctx.locale)}` : t.active}</td>
                    <td>
                      {!k.revokedAt && (
                        <form method="post" action={`/funder/api-keys/${k.id}/revoke`} class="inline">
                          <CsrfField ctx={ctx} />
                          <button type="submit" class="secondary" aria-label={t.revokeLabel(k.label)}>
                            {t.revoke}
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </>
    ),
  };
}

export const apiKeysPage = page({
  method: 'GET',
  path: '/funder/api-keys',
  access: ['funder_officer'],
  handle: (ctx) =>
    keysScreen(ctx, { notice: param(ctx, 'done') === 'revoked' ? dash[ctx.locale].keyRevoked : undefined }),
});

export const createApiKeyPage = page({
  method: 'POST',
  path: '/funder/api-keys',
  access: ['funder_officer'],
  handle: async (ctx) => {
    const r = await ctx.call!('edge', '/v1/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'funder', label: field(ctx, 'label') }),
    });
    if (!r.ok) {
      const err = await problemOf(r);
      if (r.status !== 422) throw err;
      const e = err.errors?.[0];
      return keysScreen(ctx, { error: e?.message ?? (ctx.locale === 'fr' && err.fr ? err.fr : err.message) }, 422);
    }
    // the one answer that shows the token: rendered, not redirected (a URL would keep it in history)
    const created = (await r.json()) as { token?: string };
    return keysScreen(ctx, { token: created.token });
  },
});

export const revokeApiKeyPage = page({
  method: 'POST',
  path: '/funder/api-keys/:id/revoke',
  access: ['funder_officer'],
  handle: async (ctx) => {
    const id = idParam(ctx);
    const r = await ctx.call!('edge', `/v1/api-keys/${id}`, { method: 'DELETE' });
    if (!r.ok) throw await problemOf(r);
    return { redirect: '/funder/api-keys?done=revoked' };
  },
});
