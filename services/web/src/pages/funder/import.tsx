import { page, type PageContext, type PageResult } from '../page';
import { CsrfField } from '../layout';
import { problemOf } from './api';
import { dash } from './texts';
import { AreaNav } from './views';

const MAX_BYTES = 10 * 1024 * 1024;

interface Outcome {
  imported?: { created: number; unchanged: number; obligationsCreated: number };
  /** the import's own message when nothing was imported */
  failed?: string;
  rows?: { row?: number; column?: string; message: string }[];
  fileError?: string;
}

function ImportForm({ ctx, outcome }: { ctx: PageContext; outcome: Outcome }) {
  const t = dash[ctx.locale];
  return (
    <>
      <AreaNav ctx={ctx} area="funder" />
      <p>{t.importIntro}</p>
      {outcome.imported && (
        <p class="notice" role="status">
          {t.imported(outcome.imported.created, outcome.imported.unchanged, outcome.imported.obligationsCreated)}
        </p>
      )}
      {outcome.failed && (
        <div role="alert" class="error-summary">
          <p>
            <strong>{t.importFailed}</strong>
          </p>
          <p>{outcome.failed}</p>
        </div>
      )}
      {outcome.rows && outcome.rows.length > 0 && (
        <div class="table-wrap">
          <table class="row-errors">
            <caption>{t.importFailed}</caption>
            <thead>
              <tr>
                <th scope="col">{t.row}</th>
                <th scope="col">{t.column}</th>
                <th scope="col">{t.problem}</th>
              </tr>
            </thead>
            <tbody>
              {outcome.rows.map((e, i) => (
                <tr key={i} id={e.row ? `row-${e.row}` : undefined}>
                  <th scope="row">{e.row ?? '—'}</th>
                  <td>{e.column ?? '—'}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form method="post" action="/funder/import" enctype="multipart/form-data" class="stack">
        <CsrfField ctx={ctx} />
        <label for="csv-file">{t.file}</label>
        <input
          id="csv-file"
          type="file"
          name="file"
          accept=".csv,text/csv"
          required
          aria-invalid={outcome.fileError ? 'true' : undefined}
          aria-describedby={outcome.fileError ? 'csv-file-err' : undefined}
        />
        {outcome.fileError && (
          <span class="error" id="csv-file-err">
            {outcome.fileError}
          </span>
        )}
        <button type="submit">{t.importButton}</button>
      </form>
    </>
  );
}

const screen = (ctx: PageContext, outcome: Outcome, status?: number): PageResult => ({
  status,
  title: dash[ctx.locale].importTitle,
  body: <ImportForm ctx={ctx} outcome={outcome} />,
});

export const importFormPage = page({
  method: 'GET',
  path: '/funder/import',
  access: ['funder_officer'],
  handle: (ctx) => screen(ctx, {}),
});

/**
 * The upload goes, as it came, to the API's import (`POST /v1/agreements/import`, text/csv): all rows
 * or none. Its row errors (row number and column, in the person's language) are shown one per line,
 * against the row of the file.
 */
export const importPage = page({
  method: 'POST',
  path: '/funder/import',
  access: ['funder_officer'],
  upload: { field: 'file', maxBytes: MAX_BYTES },
  handle: async (ctx) => {
    const t = dash[ctx.locale];
    const file = (ctx.req as { file?: { buffer: Buffer; size: number } }).file;
    if (!file || file.size === 0) return screen(ctx, { fileError: t.noFile }, 422);
    const r = await ctx.call!('agreements', '/v1/agreements/import', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: new Uint8Array(file.buffer),
    });
    if (r.ok) return screen(ctx, { imported: (await r.json()) as Outcome['imported'] });
    const err = await problemOf(r);
    if (r.status !== 422 && r.status !== 409 && r.status !== 413 && r.status !== 415) throw err;
    const rows = (err.errors ?? []).map((e) => ({ row: e.row, column: e.column, message: e.message }));
    return screen(ctx, { failed: ctx.locale === 'fr' && err.fr ? err.fr : err.message, rows }, r.status);
  },
});
