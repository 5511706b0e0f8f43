/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON, checked by the assertions */
import crypto from 'node:crypto';
import { asPrincipal, eventually, tapEvents } from '@pc/testkit';
import { funderKey, startHarness, type Harness } from './helpers';

// POST /v1/agreements/import: all or nothing, every bad row listed with its row and column.
jest.setTimeout(120_000); // the shared 2-core machine is slow at times (jest's testTimeout is not a project option)
let h: Harness;
const F1 = crypto.randomUUID();
const f1 = funderKey(F1);
const HEADER =
  'external_ref,programme_code,title,amount_cents,currency,start_date,end_date,signed_at,grantee_name,grantee_neq,contact_name,contact_email,contact_locale,requirement_kind,requirement_count,due_anchor,due_offset,due_date';

const line = (ref: string, over: Partial<Record<string, string>> = {}, sep = ','): string => {
  const v: Record<string, string> = {
    external_ref: ref,
    programme_code: 'MOB',
    title: `Projet ${ref}`,
    amount_cents: '1000000',
    currency: 'CAD',
    start_date: '2027-01-01',
    end_date: '2027-12-31',
    signed_at: '2026-12-01',
    grantee_name: `Organisme ${ref}`,
    grantee_neq: '',
    contact_name: 'Alex Tremblay',
    contact_email: 'alex@example.org',
    contact_locale: 'fr',
    requirement_kind: 'learning_note',
    requirement_count: '1',
    due_anchor: 'end',
    due_offset: 'P90D',
    due_date: '',
    ...over,
  };
  return HEADER.split(',')
    .map((c) => v[c] ?? '')
    .join(sep);
};
const csv = (...rows: string[]): string => [HEADER, ...rows].join('\n') + '\n';
/** Two agreements, C-1 on two rows (a second requirement with a fixed date), imported twice below. */
const C_FILE = csv(
  line('C-1'),
  line('C-1', {
    requirement_kind: 'final_note',
    requirement_count: '2',
    due_anchor: '',
    due_offset: '',
    due_date: '2028-06-30',
  }),
  line('C-2'),
);

async function importing(body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.base}/v1/agreements/import`, {
    method: 'POST',
    headers: { ...f1, 'content-type': 'text/csv', ...headers },
    // a Buffer is not a BodyInit once the DOM types are in the program (preact's JSX brings them)
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** The funder's agreement with this external_ref, as the list shows it. */
const listed = async (ref: string) =>
  (await h.call('GET', '/v1/agreements?limit=50', undefined, f1)).body.data.find((x: any) => x.externalRef === ref);

/** Imports that must fail: 422 (or 409) and the database unchanged. */
async function rejected(body: string | Buffer, status = 422, headers: Record<string, string> = {}) {
  const before = await h.counts();
  const r = await importing(body, headers);
  expect(r.status).toBe(status);
  expect(await h.counts()).toEqual(before);
  return r.body;
}

beforeAll(async () => {
  h = await startHarness();
  expect((await h.call('POST', '/v1/programmes', { code: 'MOB', name: 'Mobilisation' }, f1)).status).toBe(201);
});
afterAll(async () => {
  await h?.stop();
});

describe('CSV import', () => {
  it('imports rows grouped by external_ref (comma), obligations derived, one event per agreement on the bus', async () => {
    const tap = await tapEvents(h.t.amqpUrl, ['agreement.registered.v1']);
    const r = await importing(C_FILE);
    expect(r).toEqual({ status: 201, body: { created: 2, unchanged: 0, obligationsCreated: 4 } });
    const list = await h.call('GET', '/v1/agreements?limit=10', undefined, f1);
    const c1 = list.body.data.find((a: any) => a.externalRef === 'C-1');
    expect(c1.obligations.map((o: any) => [o.kind, o.dueDate])).toEqual([
      ['learning_note', '2028-03-30'],
      ['final_note', '2028-06-30'],
      ['final_note', '2028-06-30'],
    ]);
    expect(c1.amount).toEqual({ value: 1000000, currency: 'CAD' });
    const events = await h.db.query("SELECT count(*)::int AS n FROM outbox WHERE type = 'agreement.registered.v1'");
    expect(events.rows[0].n).toBe(2);
    try {
      await eventually(async () => tap.messages.length === 2, 'two agreement.registered events on the bus');
      expect(tap.messages.map((m) => m.data.externalRef).sort()).toEqual(['C-1', 'C-2']);
      expect(tap.messages.find((m) => m.data.externalRef === 'C-1')!.data.obligations).toHaveLength(3);
    } finally {
      await tap.close();
    }
  });

  it('the same file again: nothing created, everything unchanged', async () => {
    const before = await h.counts();
    const r = await importing(C_FILE);
    expect(r.body).toEqual({ created: 0, unchanged: 2, obligationsCreated: 0 });
    expect(await h.counts()).toEqual(before);
  });

  // A quoted cell may span lines (the reader keeps it one row), but a title or a name may not: that
  // refusal is in hardening.test.ts.
  it('accepts semicolons (Excel in French), a UTF-8 BOM, CRLF and quoted fields holding delimiters and quotes', async () => {
    const text =
      '\uFEFF' +
      [
        HEADER.replace(/,/g, ';'),
        line(
          'S-1',
          { title: '"Cuisine; collective ""de quartier"" — Québec"', grantee_name: 'Société d\u2019entraide' },
          ';',
        ),
      ].join('\r\n') +
      '\r\n';
    const r = await importing(Buffer.from(text, 'utf8'));
    expect(r.status).toBe(201);
    const a = await listed('S-1');
    expect(a.title).toBe('Cuisine; collective "de quartier" — Québec');
    expect(a.grantee.name).toBe('Société d\u2019entraide');
  });

  it('stores text starting with = + - @ as text', async () => {
    const r = await importing(csv(line('F-1', { title: "=cmd|' /C calc'!A0", grantee_name: '@SUM(1+1)' })));
    expect(r.status).toBe(201);
    const a = await listed('F-1');
    expect(a.title).toBe("=cmd|' /C calc'!A0");
    expect(a.grantee.name).toBe('@SUM(1+1)');
  });

  it('refuses an empty file and a header without rows', async () => {
    expect((await rejected('')).detail).toMatch(/vide/);
    expect((await rejected(HEADER + '\n')).errors[0]).toMatchObject({ row: 1 });
  });

  it('refuses a missing or misspelled header column, naming it', async () => {
    const body = await rejected(csv(line('H-1')).replace('end_date', 'end_dte'));
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 1, column: 'end_dte', message: expect.stringContaining('end_date') }),
        expect.objectContaining({ row: 1, column: 'end_date' }),
      ]),
    );
    const missing = await rejected('external_ref,title\nX,Y\n');
    expect(missing.errors.map((e: any) => e.column).sort()).toEqual([
      'end_date',
      'grantee_name',
      'programme_code',
      'start_date',
    ]);
  });

  it('refuses a Latin-1 file with an error naming the encoding', async () => {
    const latin1 = Buffer.from(csv(line('L-1', { grantee_name: 'Société québécoise' })), 'latin1');
    const body = await rejected(latin1);
    expect(body.detail).toMatch(/ISO-8859-1 \(Latin-1\)/);
    const en = await rejected(latin1, 422, { 'accept-language': 'en' });
    expect(en.detail).toBe(
      'the file is encoded as ISO-8859-1 (Latin-1), not UTF-8: save it as "CSV UTF-8" and try again',
    );
    const declared = await rejected(Buffer.from(csv(line('L-2'))), 422, {
      'content-type': 'text/csv; charset=windows-1252',
    });
    expect(declared.detail).toMatch(/Windows-1252/);
  });

  it('refuses rows sharing external_ref whose agreement-level fields disagree', async () => {
    const body = await rejected(
      csv(line('D-1'), line('D-1', { end_date: '2028-12-31', requirement_kind: 'final_note' })),
    );
    expect(body.errors).toEqual([expect.objectContaining({ row: 3, column: 'end_date' })]);
  });

  it('lists every bad row with its column (bad values of each kind)', async () => {
    const body = await rejected(
      csv(
        line('B-1'),
        line('B-2', { amount_cents: '-5' }),
        line('B-3', { amount_cents: '12.5' }),
        line('B-4', { currency: 'USD' }),
        line('B-5', { grantee_neq: '12345' }),
        line('B-6', { contact_email: 'pas-une-adresse' }),
        line('B-7', { requirement_kind: 'essay' }),
        line('B-8', { due_offset: 'P1H' }),
        line('B-9', { end_date: '2026-01-01' }),
        line('B-10', { programme_code: 'NOPE' }),
        line('B-11', { start_date: '01/02/2027' }),
      ),
    );
    expect(body.errors.map((e: any) => [e.row, e.column])).toEqual([
      [3, 'amount_cents'],
      [4, 'amount_cents'],
      [5, 'currency'],
      [6, 'grantee_neq'],
      [7, 'contact_email'],
      [8, 'requirement_kind'],
      [9, 'due_offset'],
      [10, 'end_date'],
      [12, 'start_date'],
    ]);
    // programme codes are checked against the database once the rows themselves are valid
    const unknown = await rejected(csv(line('B-1'), line('B-10', { programme_code: 'NOPE' })));
    expect(unknown.errors).toEqual([
      expect.objectContaining({ row: 3, column: 'programme_code', message: 'programme inconnu : NOPE' }),
    ]);
  });

  it('answers 409 listing the rows whose external_ref exists with other content', async () => {
    const body = await rejected(csv(line('C-2', { title: 'Changé' }), line('NEW-1')), 409);
    expect(body.errors).toEqual([expect.objectContaining({ row: 2, column: 'external_ref' })]);
  });

  it('50,000 rows with one bad row in the middle: 422 naming that row and column, database unchanged', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const ref = `M-${i}`;
      rows.push(
        i === 24_999
          ? `${ref},MOB,T,,,2027-01-01,2027-13-01,,G${i},,,,,learning_note,1,end,P90D,`
          : `${ref},MOB,T,,,2027-01-01,2027-12-31,,G${i},,,,,learning_note,1,end,P90D,`,
      );
    }
    const body = await rejected(csv(...rows));
    expect(body.errors).toEqual([expect.objectContaining({ row: 25_001, column: 'end_date' })]);
  });

  it('two concurrent imports of the same new rows: one creates them, the other finds them unchanged', async () => {
    const file = csv(...Array.from({ length: 200 }, (_, i) => line(`CC-${i}`)));
    const before = (await h.counts()).agreements;
    const [a, b] = await Promise.all([importing(file), importing(file)]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.created + b.body.created).toBe(200);
    expect(a.body.unchanged + b.body.unchanged).toBe(200);
    expect((await h.counts()).agreements).toBe(before + 200);
  });

  it('answers 413 to a file over 10 MiB and 403 to a non-funder', async () => {
    await rejected(csv(line('X-1')) + 'x'.repeat(10 * 1024 * 1024), 413);
    const r = await fetch(`${h.base}/v1/agreements/import`, {
      method: 'POST',
      headers: { ...asPrincipal({ role: 'auditor', funderIds: [F1] }), 'content-type': 'text/csv' },
      body: csv(line('R-1')),
    });
    expect(r.status).toBe(403);
  });
});
