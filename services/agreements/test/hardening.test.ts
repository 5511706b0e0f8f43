/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON, checked by the assertions */
import crypto from 'node:crypto';
import { asPrincipal, eventually, tapEvents } from '@pc/testkit';
import { funderKey, startHarness, type Harness } from './helpers';

// Input the outside review showed reaching the database or the bus: CSV beyond the contract's
// limits, control characters and malformed Unicode, offsets of ten thousand years, look-alike
// references, feed URLs off the Praxis host, a NEQ joining another funder's grantee. Each is a 422
// (or a refusal) that names the field, and nothing is written.
jest.setTimeout(120_000); // the shared 2-core machine is slow at times (jest's testTimeout is not a project option)
let h: Harness;
const F1 = crypto.randomUUID();
const F2 = crypto.randomUUID();
const f1 = funderKey(F1);
const f2 = funderKey(F2);
const admin = asPrincipal({ role: 'admin', keyId: crypto.randomUUID() });

const HEADER =
  'external_ref,programme_code,title,amount_cents,currency,start_date,end_date,signed_at,grantee_name,grantee_neq,contact_name,contact_email,contact_locale,requirement_kind,requirement_count,due_anchor,due_offset,due_date';
const line = (ref: string, over: Partial<Record<string, string>> = {}): string => {
  const v: Record<string, string> = {
    external_ref: ref,
    programme_code: 'MOB',
    title: `Projet ${ref}`,
    amount_cents: '',
    currency: '',
    start_date: '2027-01-01',
    end_date: '2027-12-31',
    signed_at: '',
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
    .join(',');
};
const csv = (...rows: string[]): string => [HEADER, ...rows].join('\n') + '\n';

const agreement = (over: Record<string, unknown> = {}) => ({
  externalRef: 'H-1',
  programmeCode: 'MOB',
  title: 'Cuisine collective',
  startDate: '2027-01-01',
  endDate: '2027-12-31',
  grantee: { name: 'Cuisines solidaires', contacts: [{ name: 'Alex Tremblay', email: 'alex@example.org' }] },
  requirements: [{ kind: 'learning_note', due: { anchor: 'end', offset: 'P90D' } }],
  ...over,
});

/** The request is refused with `status`, and not one row nor one event was written. */
async function refusedUnchanged(
  send: () => Promise<{ status: number; body: any }>,
  status = 422,
): Promise<{ status: number; body: any }> {
  const before = await h.counts();
  const programmes = await h.db.query('SELECT count(*)::int AS n FROM programme');
  const r = await send();
  expect({ status: r.status, body: r.body }).toMatchObject({ status });
  expect(await h.counts()).toEqual(before);
  expect((await h.db.query('SELECT count(*)::int AS n FROM programme')).rows[0].n).toBe(programmes.rows[0].n);
  return r;
}
const fields = (body: any): string[] => (body.errors ?? []).map((e: any) => e.path ?? `${e.row}:${e.column}`);

beforeAll(async () => {
  h = await startHarness();
  for (const key of [f1, f2])
    expect((await h.call('POST', '/v1/programmes', { code: 'MOB', name: 'M' }, key)).status).toBe(201);
});
afterAll(async () => {
  await h?.stop();
});

describe('CSV and JSON share the contract limits', () => {
  it('one agreement with 60 contacts and 60 requirements of count 20: 422 naming the rows and columns past 20, nothing written', async () => {
    const rows = Array.from({ length: 60 }, (_, i) =>
      line('BIG-1', { contact_email: `personne${i}@example.org`, requirement_count: '20' }),
    );
    const r = await refusedUnchanged(() => h.call('POST', '/v1/agreements/import', csv(...rows), f1));
    // row 1 is the header: the 21st contact and the 21st requirement are on row 22
    expect(r.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 22, column: 'contact_email', message: expect.stringContaining('60') }),
        expect.objectContaining({
          row: 22,
          column: 'requirement_kind',
          message: expect.stringContaining('au plus 20'),
        }),
      ]),
    );
    expect(r.body.errors).toHaveLength(2);
  });

  it('the JSON route refuses 21 contacts and 21 requirements the same way', async () => {
    const contacts = Array.from({ length: 21 }, (_, i) => ({ name: `P ${i}`, email: `p${i}@example.org` }));
    const requirements = Array.from({ length: 21 }, () => ({
      kind: 'learning_note',
      count: 20,
      due: { date: '2028-01-31' },
    }));
    const r = await refusedUnchanged(() =>
      h.call('POST', '/v1/agreements', agreement({ grantee: { name: 'G', contacts }, requirements }), f1),
    );
    expect(fields(r.body)).toEqual(expect.arrayContaining(['grantee.contacts', 'requirements']));
  });

  it('a CSV contact name past 300 characters is refused as the contract refuses it in JSON', async () => {
    const r = await refusedUnchanged(() =>
      h.call('POST', '/v1/agreements/import', csv(line('LONG-1', { contact_name: 'x'.repeat(301) })), f1),
    );
    expect(r.body.errors).toEqual([expect.objectContaining({ row: 2, column: 'contact_name' })]);
  });
});

describe('text fields refuse control characters and malformed Unicode (422, never 500)', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['a NUL byte in the title', { title: 'Cuisine\u0000collective' }, 'title'],
    ['a lone surrogate in the grantee name', { grantee: { name: 'Cuisines \ud800' } }, 'grantee.name'],
    [
      'a bell in a contact name',
      { grantee: { name: 'G', contacts: [{ name: 'Al\u0007ex', email: 'a@example.org' }] } },
      'grantee.contacts[0].name',
    ],
    ['CR/LF in the title', { title: 'Cuisine\r\nBcc: x@example.org' }, 'title'],
    ['a line feed in the grantee name', { grantee: { name: 'Cuisines\nsolidaires' } }, 'grantee.name'],
    ['a right-to-left override in the title', { title: 'Cuisine \u202Eevitcelloc' }, 'title'],
    ['a NUL in the external reference', { externalRef: 'H-\u00002' }, 'externalRef'],
  ];
  it.each(cases)('%s: 422 naming the field, nothing written', async (_name, over, path) => {
    const r = await refusedUnchanged(() => h.call('POST', '/v1/agreements', agreement(over), f1));
    expect(r.body.errors).toEqual([
      expect.objectContaining({ path, message: expect.stringMatching(/U\+[0-9A-F]{4}/) }),
    ]);
  });

  it("says what is wrong in the caller's language", async () => {
    const r = await h.call('POST', '/v1/agreements', agreement({ title: 'a\u0000b' }), {
      ...f1,
      'accept-language': 'en',
    });
    expect(r.status).toBe(422);
    expect(r.body.errors[0].message).toBe('control character U+0000 at position 2: not allowed in this field');
    const fr = await h.call('POST', '/v1/agreements', agreement({ title: 'a\nb' }), f1);
    expect(fr.body.errors[0].message).toBe(
      'retour à la ligne (U+000A) à la position 2 : ce champ tient sur une seule ligne',
    );
  });

  it('a NUL in a query string is a 422 and in the path a 400, never a database error', async () => {
    const q = await h.call('GET', '/v1/agreements?programme=%00', undefined, f1);
    expect(q.status).toBe(422);
    expect(fields(q.body)).toEqual(['query.programme']);
    // In the path, the request guard (first middleware of every service) refuses it before any rule reads it.
    const p = await h.call('GET', '/v1/agreements/abc%00', undefined, f1);
    expect(p.status).toBe(400);
  });

  it('a reason is free text: it may hold a paragraph, but not a NUL', async () => {
    const a = await h.call('POST', '/v1/agreements', agreement({ externalRef: 'REASON-1' }), f1);
    expect(a.status).toBe(201);
    await refusedUnchanged(() => h.call('POST', `/v1/agreements/${a.body.id}/terminate`, { reason: 'fin\u0000' }, f1));
    const ok = await h.call(
      'POST',
      `/v1/agreements/${a.body.id}/terminate`,
      { reason: 'Projet arrêté.\r\nVoir la lettre du 3 mai.' },
      f1,
    );
    expect(ok.status).toBe(200);
    expect(ok.body.terminationReason).toBe('Projet arrêté.\r\nVoir la lettre du 3 mai.');
  });

  it('CSV: a NUL byte in a cell and a quoted title broken over two lines are 422 with row and column', async () => {
    const file = csv(
      line('NUL-1', { grantee_name: 'Orga\u0000nisme' }),
      line('NL-1', { title: '"Cuisine\nde quartier"' }),
      line('OK-1'),
    );
    const r = await refusedUnchanged(() => h.call('POST', '/v1/agreements/import', file, f1));
    expect(r.body.errors.map((e: any) => [e.row, e.column])).toEqual([
      [2, 'grantee_name'],
      [3, 'title'],
    ]);
  });
});

describe('derived dates are bounded', () => {
  it('an offset of P9999Y is a 422 on its field (it was a 500)', async () => {
    const r = await refusedUnchanged(() =>
      h.call(
        'POST',
        '/v1/agreements',
        agreement({ requirements: [{ kind: 'learning_note', due: { anchor: 'end', offset: 'P9999Y' } }] }),
        f1,
      ),
    );
    expect(r.body.errors).toEqual([
      expect.objectContaining({
        path: 'requirements[0].due.offset',
        message: 'durée trop longue : P9999Y (au plus 100 ans)',
      }),
    ]);
  });

  it('a due date past 2100 is a 422, whether given, derived from an anchor, or from the programme defaults', async () => {
    const given = await refusedUnchanged(() =>
      h.call(
        'POST',
        '/v1/agreements',
        agreement({ requirements: [{ kind: 'final_note', due: { date: '2150-01-31' } }] }),
        f1,
      ),
    );
    expect(fields(given.body)).toEqual(['requirements[0].due.date']);
    const derived = await refusedUnchanged(() =>
      h.call(
        'POST',
        '/v1/agreements',
        agreement({
          endDate: '2100-11-30',
          requirements: [{ kind: 'final_note', due: { anchor: 'end', offset: 'P3M' } }],
        }),
        f1,
      ),
    );
    expect(derived.body.errors).toEqual([
      expect.objectContaining({
        path: 'requirements[0].due.offset',
        message: "l'échéance calculée (2101-02-28) tombe après le 2100-12-31",
      }),
    ]);
    const defaults = await refusedUnchanged(() =>
      h.call('POST', '/v1/agreements', agreement({ endDate: '2100-12-01', requirements: undefined }), f1),
    );
    expect(fields(defaults.body)).toEqual(['endDate']);
    const inCsv = await refusedUnchanged(() =>
      h.call('POST', '/v1/agreements/import', csv(line('P-1', { due_offset: 'P9999Y' })), f1),
    );
    expect(inCsv.body.errors).toEqual([expect.objectContaining({ row: 2, column: 'due_offset' })]);
  });

  it('an amendment that would move a due date past 2100 is refused and changes nothing', async () => {
    const a = await h.call('POST', '/v1/agreements', agreement({ externalRef: 'LATE-1' }), f1);
    expect(a.status).toBe(201);
    const r = await refusedUnchanged(() =>
      h.call('PATCH', `/v1/agreements/${a.body.id}`, { endDate: '2100-12-15' }, f1),
    );
    expect(fields(r.body)).toEqual(['endDate']);
    expect((await h.call('GET', `/v1/agreements/${a.body.id}`, undefined, f1)).body.revision).toBe(1);
  });

  it('a programme whose default requirement has an offset of P9999Y is refused', async () => {
    const r = await refusedUnchanged(() =>
      h.call(
        'POST',
        '/v1/programmes',
        {
          code: 'LONG',
          name: 'L',
          defaultRequirements: [{ kind: 'learning_note', due: { anchor: 'end', offset: 'P9999Y' } }],
        },
        f1,
      ),
    );
    expect(fields(r.body)).toEqual(['defaultRequirements[0].due.offset']);
  });
});

describe('references are compared after NFKC and look-alike letters are refused', () => {
  it('Cyrillic АВ-1 is refused (it reads as AB-1); full-width ＡＢ-1 is AB-1', async () => {
    const ab = await h.call('POST', '/v1/agreements', agreement({ externalRef: 'AB-1' }), f1);
    expect(ab.status).toBe(201);
    const cyrillic = await refusedUnchanged(() =>
      h.call('POST', '/v1/agreements', agreement({ externalRef: '\u0410\u0412-1' }), f1),
    );
    expect(cyrillic.body.errors).toEqual([
      expect.objectContaining({ path: 'externalRef', message: expect.stringContaining('U+0410') }),
    ]);
    const greek = await refusedUnchanged(() =>
      h.call('POST', '/v1/agreements', agreement({ externalRef: '\u0391B-1' }), f1),
    );
    expect(fields(greek.body)).toEqual(['externalRef']);
    // the same agreement under the full-width spelling of its reference is a replay: 200, same id
    const wide = await h.call('POST', '/v1/agreements', agreement({ externalRef: '\uFF21\uFF22-1' }), f1);
    expect(wide.status).toBe(200);
    expect(wide.body).toMatchObject({ id: ab.body.id, externalRef: 'AB-1' });
    // other content under it is the 409 of AB-1
    const other = await h.call(
      'POST',
      '/v1/agreements',
      agreement({ externalRef: '\uFF21\uFF22-1', title: 'Autre' }),
      f1,
    );
    expect(other.status).toBe(409);
  });

  it('French letters stay allowed; the CSV import refuses a Cyrillic reference with its row', async () => {
    expect((await h.call('POST', '/v1/agreements', agreement({ externalRef: 'ÉTÉ-Œuvre-1' }), f1)).status).toBe(201);
    const r = await refusedUnchanged(() =>
      h.call('POST', '/v1/agreements/import', csv(line('OK-2'), line('\u0410\u0412-2')), f1),
    );
    expect(r.body.errors).toEqual([expect.objectContaining({ row: 3, column: 'external_ref' })]);
  });
});

describe('programme feeds are checked at registration', () => {
  const bad: Array<[string, string]> = [
    ['file:', 'file:///etc/passwd'],
    ['gopher:', 'gopher://praxis.encommun.io/1'],
    ['an IPv4 literal', 'http://127.0.0.1:15672/api/overview'],
    ['an IPv4 literal written as a number', 'https://2130706433/feed.xml'],
    ['an IPv6 literal', 'https://[::1]/feed.xml'],
    ['another host', 'https://evil.example/feed.xml'],
    ['a look-alike host', 'https://praxis.encommun.io.evil.example/feed.xml'],
    ['userinfo', 'https://user:secret@praxis.encommun.io/feed.xml'],
    ['an @ with an empty user', 'https://@praxis.encommun.io/feed.xml'],
    ['another port', 'https://praxis.encommun.io:8443/feed.xml'],
    ['plain http when Praxis is https', 'http://praxis.encommun.io/feed.xml'],
    ['a path starting with //', 'https://praxis.encommun.io//127.0.0.1:5672/x.xml'],
    ['a backslash', 'https://praxis.encommun.io\\@evil.example/x.xml'],
  ];
  it.each(bad)('%s: 422 naming the feed, nothing written', async (_name, url) => {
    const r = await refusedUnchanged(() =>
      h.call(
        'POST',
        '/v1/programmes',
        { code: 'FEEDS', name: 'F', praxisFeeds: ['https://praxis.encommun.io/carnets/a/rss.xml', url] },
        f1,
      ),
    );
    expect(r.body.errors).toEqual([
      expect.objectContaining({
        path: 'praxisFeeds[1]',
        message: expect.stringContaining('https://praxis.encommun.io'),
      }),
    ]);
  });

  it('feeds on the Praxis origin are accepted (the default port written out included)', async () => {
    const r = await h.call(
      'POST',
      '/v1/programmes',
      {
        code: 'FEEDS',
        name: 'F',
        praxisFeeds: ['https://praxis.encommun.io/carnets/a/rss.xml', 'https://PRAXIS.encommun.io:443/c/b.xml?x=1'],
      },
      f1,
    );
    expect(r.status).toBe(201);
  });
});

describe("a NEQ joins another funder's grantee only through an admin-confirmed link", () => {
  const NEQ = '1144778899';
  let a1: any;
  let b1: any;
  beforeAll(async () => {
    a1 = (
      await h.call(
        'POST',
        '/v1/agreements',
        agreement({ externalRef: 'N-A1', grantee: { name: 'Org A', neq: NEQ } }),
        f1,
      )
    ).body;
    b1 = (
      await h.call(
        'POST',
        '/v1/agreements',
        agreement({ externalRef: 'N-B1', grantee: { name: 'Org (B)', neq: NEQ } }),
        f2,
      )
    ).body;
  });

  it("funder B writing A's grantee NEQ gets a grantee of its own", async () => {
    expect(a1.grantee.id).toBeDefined();
    expect(b1.grantee.id).not.toBe(a1.grantee.id);
    expect(b1.grantee).toMatchObject({ name: 'Org (B)', neq: NEQ });
  });

  it('only an admin lists the grantees of a NEQ and links them', async () => {
    expect((await h.call('GET', `/v1/grantees?neq=${NEQ}`, undefined, f1)).status).toBe(403);
    expect((await h.call('POST', `/v1/grantees/${b1.grantee.id}/link`, { granteeId: a1.grantee.id }, f2)).status).toBe(
      403,
    );
    const list = await h.call('GET', `/v1/grantees?neq=${NEQ}`, undefined, admin);
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      expect.objectContaining({ id: a1.grantee.id, funderId: F1, linkedTo: null }),
      expect.objectContaining({ id: b1.grantee.id, funderId: F2, linkedTo: null }),
    ]);
  });

  it('refuses a link to an unknown grantee, to itself or across NEQs, and 404s an unknown grantee', async () => {
    const other = (
      await h.call(
        'POST',
        '/v1/agreements',
        agreement({ externalRef: 'N-C1', grantee: { name: 'C', neq: '5555555555' } }),
        f2,
      )
    ).body;
    for (const target of [crypto.randomUUID(), b1.grantee.id, other.grantee.id]) {
      const r = await refusedUnchanged(() =>
        h.call('POST', `/v1/grantees/${b1.grantee.id}/link`, { granteeId: target }, admin),
      );
      expect(fields(r.body)).toEqual(['granteeId']);
    }
    await refusedUnchanged(
      () => h.call('POST', `/v1/grantees/${crypto.randomUUID()}/link`, { granteeId: a1.grantee.id }, admin),
      404,
    );
  });

  it("after the link, B's agreements carry A's organisation id (an amended snapshot on the bus), new ones too", async () => {
    const tap = await tapEvents(h.t.amqpUrl, ['agreement.amended.v1']);
    try {
      const r = await h.call('POST', `/v1/grantees/${b1.grantee.id}/link`, { granteeId: a1.grantee.id }, admin);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id: b1.grantee.id, funderId: F2, linkedTo: a1.grantee.id, agreementsUpdated: 1 });
      const ev = await eventually(async () => tap.messages.find((m) => m.subject === b1.id), 'amended snapshot');
      expect(ev.data).toMatchObject({
        funderId: F2,
        grantee: { id: a1.grantee.id, neq: NEQ },
        revision: 2,
        changes: ['grantee'],
      });
      const seen = await h.call('GET', `/v1/agreements/${b1.id}`, undefined, f2);
      expect(seen.body.grantee.id).toBe(a1.grantee.id);
      expect(seen.body.history).toEqual([expect.objectContaining({ kind: 'amended', changes: ['grantee'] })]);
      const b2 = await h.call(
        'POST',
        '/v1/agreements',
        agreement({ externalRef: 'N-B2', grantee: { name: 'Org (B)', neq: NEQ } }),
        f2,
      );
      expect(b2.body.grantee.id).toBe(a1.grantee.id);
      // linking again to the organisation already shown changes nothing
      const again = await h.call('POST', `/v1/grantees/${b1.grantee.id}/link`, { granteeId: a1.grantee.id }, admin);
      expect(again.body.agreementsUpdated).toBe(0);
    } finally {
      await tap.close();
    }
  });
});
