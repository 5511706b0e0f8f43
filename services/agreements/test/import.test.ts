/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON, checked by the assertions */
import crypto from 'node:crypto';
import iconv from 'iconv-lite';
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

/** An agreement as the database holds it (text as stored, its UTF-8 bytes in hex, dates as text). */
const stored = async (ref: string) =>
  (
    await h.db.query(
      `SELECT a.title, encode(convert_to(a.title, 'UTF8'), 'hex') AS title_hex, g.name AS grantee,
              encode(convert_to(g.name, 'UTF8'), 'hex') AS grantee_hex, a.amount_cents::text AS cents,
              a.start_date::text AS start, a.end_date::text AS "end", a.signed_at::text AS signed,
              (SELECT string_agg(c.name, '|' ORDER BY c.position) FROM agreement_contact c WHERE c.agreement_id = a.id) AS contacts,
              (SELECT string_agg(o.due_date::text, '|' ORDER BY o.due_date) FROM obligation o WHERE o.agreement_id = a.id) AS due
         FROM agreement a JOIN grantee g ON g.id = a.grantee_id WHERE a.external_ref = $1`,
      [ref],
    )
  ).rows[0];
const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

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
    expect(r).toEqual({
      status: 201,
      body: { created: 2, unchanged: 0, obligationsCreated: 4, encoding: 'UTF-8', separator: ',' },
    });
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
    expect(r.body).toEqual({ created: 0, unchanged: 2, obligationsCreated: 0, encoding: 'UTF-8', separator: ',' });
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
    expect(r.body).toMatchObject({ created: 1, encoding: 'UTF-8', separator: ';' });
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
        line('B-11', { start_date: '01/02/27' }),
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

// What French Excel writes by default, "CSV (séparateur : point-virgule)": Windows-1252, semicolons,
// the officer's own French headers, dates re-saved as 31/12/2027 and amounts as 25 000,00 $.
describe('CSV import of what French Excel writes', () => {
  const FR_COLUMNS: Array<[string, string]> = [
    ['Référence externe', 'external_ref'],
    ['Code du programme', 'programme_code'],
    ['Titre', 'title'],
    ['Montant', 'amount_dollars'],
    ['Devise', 'currency'],
    ['Date de début', 'start_date'],
    ['Date de fin', 'end_date'],
    ['Date de signature', 'signed_at'],
    ['Nom de l\u2019organisme', 'grantee_name'],
    ['NEQ', 'grantee_neq'],
    ['Nom de la personne-ressource', 'contact_name'],
    ['Courriel', 'contact_email'],
    ['Langue', 'contact_locale'],
    ['Type d\u2019exigence', 'requirement_kind'],
    ['Nombre', 'requirement_count'],
    ['Point de départ', 'due_anchor'],
    ['Délai', 'due_offset'],
    ['Date d\u2019échéance', 'due_date'],
  ];
  const TITLE = (ref: string) => `Cuisines d\u2019été « ${ref} » — œuvre collective`;
  const GRANTEE = 'Société québécoise d\u2019entraide';
  const frLine = (ref: string, over: Partial<Record<string, string>> = {}): string => {
    const v: Record<string, string> = {
      external_ref: ref,
      programme_code: 'MOB',
      title: TITLE(ref),
      amount_dollars: '25\u00a0000,00\u00a0$',
      currency: 'CAD',
      start_date: '01/01/2027',
      end_date: '31/12/2027',
      signed_at: '01/12/2026',
      grantee_name: GRANTEE,
      contact_name: 'Émilie Côté',
      contact_email: 'emilie@example.org',
      contact_locale: 'fr',
      requirement_kind: 'learning_note',
      requirement_count: '1',
      due_anchor: 'end',
      due_offset: 'P90D',
      ...over,
    };
    return FR_COLUMNS.map(([, c]) => v[c] ?? '').join(';');
  };
  const frFile = (...rows: string[]): string => [FR_COLUMNS.map(([h]) => h).join(';'), ...rows].join('\r\n') + '\r\n';
  const cp1252 = (text: string): Buffer => iconv.encode(text, 'windows-1252');

  it('imports a Windows-1252 file: accents, ’ and « » stored byte-exact, dates and dollars read, encoding named', async () => {
    const bytes = cp1252(
      frFile(
        frLine('XL-1'),
        frLine('XL-1', { requirement_kind: 'final_note', due_anchor: '', due_offset: '', due_date: '31/03/2028' }),
        frLine('XL-2', { amount_dollars: '1 250 000 $', end_date: '2027-12-31' }),
      ),
    );
    expect(bytes.includes(0x92)).toBe(true); // ’ as Windows-1252 writes it (a control code in Latin-1)
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const r = await importing(bytes);
    expect(r).toEqual({
      status: 201,
      body: { created: 2, unchanged: 0, obligationsCreated: 3, encoding: 'Windows-1252', separator: ';' },
    });
    const one = await stored('XL-1');
    expect(one).toEqual({
      title: TITLE('XL-1'),
      title_hex: hex(TITLE('XL-1')),
      grantee: GRANTEE,
      grantee_hex: hex(GRANTEE),
      cents: '2500000',
      start: '2027-01-01',
      end: '2027-12-31',
      signed: '2026-12-01',
      contacts: 'Émilie Côté',
      due: '2028-03-30|2028-03-31',
    });
    expect((await stored('XL-2')).cents).toBe('125000000');
    // Re-sent as it is: the same agreements, unchanged.
    expect((await importing(bytes)).body).toMatchObject({ created: 0, unchanged: 2 });
  });

  it('imports the same in UTF-8 with narrow no-break spaces, and rows writing one date two ways agree', async () => {
    const r = await importing(
      Buffer.from(
        frFile(
          frLine('XL-3', { amount_dollars: '25\u202f000,00\u00a0$' }),
          frLine('XL-3', { end_date: '2027-12-31', amount_dollars: '25000.00', requirement_kind: 'final_note' }),
        ),
        'utf8',
      ),
    );
    expect(r.body).toMatchObject({ created: 1, encoding: 'UTF-8', separator: ';' });
    expect(await stored('XL-3')).toMatchObject({ title_hex: hex(TITLE('XL-3')), cents: '2500000', end: '2027-12-31' });
  });

  it('an ambiguous date (03/04/27) is a 422 naming its row and column, in French and English; nothing written', async () => {
    const file = cp1252(frFile(frLine('AMB-1'), frLine('AMB-2', { end_date: '03/04/27' }), frLine('AMB-3')));
    const fr = await rejected(file);
    expect(fr.detail).toBe("le fichier contient 1 erreur(s); rien n'a été importé");
    expect(fr.errors).toEqual([
      {
        row: 3,
        column: 'Date de fin',
        message: 'année à deux chiffres dans « 03/04/27 » : écrivez l\u2019année en entier (JJ/MM/AAAA ou AAAA-MM-JJ)',
      },
    ]);
    const en = await rejected(file, 422, { 'accept-language': 'en' });
    expect(en.errors).toEqual([
      {
        row: 3,
        column: 'Date de fin',
        message: 'two-digit year in "03/04/27": write the year in full (DD/MM/YYYY or YYYY-MM-DD)',
      },
    ]);
    expect(await stored('AMB-1')).toBeUndefined();
  });

  it('a date written month first, an impossible date: 422 naming row and column', async () => {
    const body = await rejected(
      cp1252(frFile(frLine('MF-1', { start_date: '12/31/2026' }), frLine('MF-2', { signed_at: '31/02/2027' }))),
    );
    expect(body.errors.map((e: any) => [e.row, e.column, e.message])).toEqual([
      [2, 'Date de début', expect.stringContaining('le mois d\u2019abord')],
      [
        3,
        'Date de signature',
        'date invalide : « 31/02/2027 » (attendu AAAA-MM-JJ ou JJ/MM/AAAA, une date du calendrier)',
      ],
    ]);
  });

  it('an ambiguous amount (25,000) is a 422 naming its row and column, in French and English; nothing written', async () => {
    const file = cp1252(frFile(frLine('AM-1'), frLine('AM-2'), frLine('AM-3', { amount_dollars: '25,000' })));
    const fr = await rejected(file);
    expect(fr.errors).toEqual([
      {
        row: 4,
        column: 'Montant',
        message:
          'montant ambigu : « 25,000 » peut se lire en milliers ou en décimales; écrivez par ex. 25 000,00 $ ou 25,000.00',
      },
    ]);
    const en = await rejected(file, 422, { 'accept-language': 'en' });
    expect(en.errors[0]).toMatchObject({
      row: 4,
      column: 'Montant',
      message: expect.stringMatching(/^ambiguous amount: "25,000"/),
    });
  });

  it('dollars and cents both given and disagreeing: 422 on the dollars column; agreeing: imported', async () => {
    const withCents = (ref: string, cents: string) =>
      cp1252(`${FR_COLUMNS.map(([h]) => h).join(';')};Montant (cents)\r\n${frLine(ref)};${cents}\r\n`);
    const body = await rejected(withCents('DC-1', '2400000'));
    expect(body.errors).toEqual([
      {
        row: 2,
        column: 'Montant',
        message: 'le montant « 25\u00a0000,00\u00a0$ » (2500000 cents) diffère de Montant (cents) (2400000)',
      },
    ]);
    const ok = await importing(withCents('DC-2', '2500000'));
    expect(ok.body).toMatchObject({ created: 1 });
    expect((await stored('DC-2')).cents).toBe('2500000');
  });

  it('a header that is neither an English nor a French name: 422 naming it (with a hint when one is close)', async () => {
    const file = cp1252(frFile(frLine('HD-1')).replace('Date de fin', 'Date de fn').replace('Courriel', 'Remarques'));
    const fr = await rejected(file);
    expect(fr.errors).toEqual(
      expect.arrayContaining([
        { row: 1, column: 'Date de fn', message: 'colonne inconnue — vouliez-vous dire date_fin ?' },
        { row: 1, column: 'Remarques', message: 'colonne inconnue' },
        { row: 1, column: 'date_fin', message: 'colonne obligatoire absente de l\u2019en-tête' },
      ]),
    );
    const en = await rejected(file, 422, { 'accept-language': 'en' });
    expect(en.errors).toEqual(
      expect.arrayContaining([{ row: 1, column: 'Date de fn', message: 'unknown column — did you mean date_fin?' }]),
    );
  });

  it('refuses what it cannot decode, naming why in French and English; nothing written', async () => {
    const utf16 = Buffer.from('\uFEFF' + frFile(frLine('ENC-1')), 'utf16le');
    expect((await rejected(utf16)).detail).toMatch(/^le fichier est encodé en UTF-16, que l\u2019import ne lit pas/);
    expect((await rejected(utf16, 422, { 'accept-language': 'en' })).detail).toMatch(
      /^the file is encoded as UTF-16, which the import does not read/,
    );
    // UTF-8 rows, then a row pasted from a Windows-1252 file: either reading would garble one part.
    const mixed = Buffer.concat([Buffer.from(frFile(frLine('ENC-2')), 'utf8'), cp1252(frLine('ENC-3') + '\r\n')]);
    const m = await rejected(mixed);
    expect(m.errors).toEqual([{ row: 3, column: '', message: expect.stringContaining('mêle deux encodages') }]);
    expect((await rejected(mixed, 422, { 'accept-language': 'en' })).detail).toMatch(/^the file mixes two encodings/);
    const declared = await rejected(Buffer.from(csv(line('ENC-4'))), 422, {
      'content-type': 'text/csv; charset=shift_jis',
    });
    expect(declared.detail).toMatch(/shift_jis/);
  });
});

describe('GET /v1/agreements/import/template', () => {
  const template = async (query: string, headers: Record<string, string> = f1) => {
    const res = await fetch(`${h.base}/v1/agreements/import/template${query}`, { headers });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  };
  /** "Filled in": the example's placeholders replaced by this funder's programme and fresh references. */
  const fill = (text: string, placeholder: string, ref: string): string =>
    text.replace(new RegExp(placeholder, 'g'), 'MOB').replace(/(ENT|AGR)-2027-001/g, ref);

  it.each([
    ['fr', ';', 'référence_externe;code_programme;titre;montant;', 'CODE-PROGRAMME', 'modele-import-ententes.csv'],
    [
      'en',
      ',',
      'external_ref,programme_code,title,amount_dollars,',
      'PROGRAMME-CODE',
      'agreements-import-template.csv',
    ],
  ])(
    '%s: a BOM, its separator and headers; filled in, it imports back',
    async (locale, sep, start, placeholder, file) => {
      const { res, bytes } = await template(`?locale=${locale}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${file}"`);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = new TextDecoder().decode(bytes); // drops the BOM
      expect(text.startsWith(start)).toBe(true);
      const ref = `TPL-${locale}`;
      const r = await importing(Buffer.from('\uFEFF' + fill(text, placeholder, ref), 'utf8'));
      expect(r).toEqual({
        status: 201,
        body: { created: 1, unchanged: 0, obligationsCreated: 2, encoding: 'UTF-8', separator: sep },
      });
      expect(await stored(ref)).toMatchObject({
        grantee_hex: hex('Société d\u2019entraide de Québec'),
        cents: '2500000',
        start: '2027-01-01',
        end: '2027-12-31',
        signed: '2026-12-01',
        due: '2028-03-30|2028-03-31',
      });
    },
  );

  it('the French template re-saved by French Excel (Windows-1252, no BOM) imports too', async () => {
    const text = new TextDecoder().decode((await template('?locale=fr')).bytes);
    const r = await importing(iconv.encode(fill(text, 'CODE-PROGRAMME', 'TPL-xl'), 'windows-1252'));
    expect(r.body).toMatchObject({ created: 1, encoding: 'Windows-1252', separator: ';' });
    expect(await stored('TPL-xl')).toMatchObject({
      grantee_hex: hex('Société d\u2019entraide de Québec'),
      cents: '2500000',
    });
  });

  it("defaults to the caller's language; refuses another locale (422) and other roles (403)", async () => {
    const en = await template('', { ...f1, 'accept-language': 'en' });
    expect(new TextDecoder().decode(en.bytes).startsWith('external_ref,')).toBe(true);
    expect(new TextDecoder().decode((await template('')).bytes).startsWith('référence_externe;')).toBe(true);
    expect((await template('?locale=de')).res.status).toBe(422);
    const auditor = await template('?locale=fr', asPrincipal({ role: 'auditor', funderIds: [F1] }));
    expect(auditor.res.status).toBe(403);
  });
});
