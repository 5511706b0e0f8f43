/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are asserted field by field */
import { fixture, harnessForFile, obligationsOf, programme, snapshot, uuid, type Fixture } from './helpers';

// The dashboard's list: one funder D with three grantees, statuses spread by due date around today
// (2027-06-01: due before → overdue, within the default D-30 → due_soon, later → upcoming); funder E
// is the other tenant, whose grantee name and reference code also match the text searched.
const h = harnessForFile({ today: '2027-06-01' });
const D = fixture();
const E = fixture();
const G1 = uuid();
const G2 = uuid();
const G3 = uuid();
const ids: Record<string, string> = {};

const asFunder = (f: Fixture) => ({ role: 'funder' as const, funderId: f.funderId, keyId: 'key-d' });
const json = async (r: Response) => (await r.json()) as any;
const list = async (q: string, who: any = asFunder(D)) => {
  const r = await h.call('GET', `/v1/obligations?${q}`, who);
  expect(r.status).toBe(200);
  return json(r);
};
const refs = (page: any) => page.data.map((o: any) => `${o.referenceCode}:${o.dueDate}`);

function agreement(
  f: Fixture,
  granteeId: string,
  granteeName: string,
  referenceCode: string,
  dues: string[],
  title = 'Cuisine collective',
  externalRef = `EXT-${referenceCode}`,
) {
  const s = snapshot(
    { ...f, granteeId },
    { obligations: dues.flatMap((d) => obligationsOf(uuid(), 1, d)), referenceCode, title, externalRef },
  );
  return { ...s, grantee: { id: granteeId, name: granteeName, neq: null } };
}

beforeAll(async () => {
  for (const f of [D, E]) await h.publish('programme.registered.v1', programme(f));
  const snapshots = [
    agreement(D, G1, 'Ateliers Zénith', 'PX-AAAA-0001', ['2027-05-10', '2027-12-01']), // overdue, upcoming
    agreement(D, G2, 'Boulangerie du Coin', 'PX-BBBB-0002', ['2027-06-15'], 'Jardins partagés', 'SUB-2027-77'), // due_soon
    agreement(D, G3, 'Centre Mosaïque', 'PX-CCCC-0003', ['2027-04-01', '2027-06-20']), // overdue, due_soon
    agreement(E, uuid(), 'Ateliers Zénith', 'PX-AAAA-0009', ['2027-05-10']),
  ];
  for (const s of snapshots) {
    await h.publish('agreement.registered.v1', s);
    for (const o of s.obligations) ids[`${s.referenceCode}:${o.dueDate}`] = o.id;
  }
});

describe('GET /v1/obligations — the dashboard list', () => {
  it('answers the total of every page and the grantee of each row', async () => {
    const page = await list('limit=2');
    expect(page.total).toBe(5);
    expect(page.data).toHaveLength(2);
    expect(page.data[0]).toMatchObject({ granteeId: G3, granteeName: 'Centre Mosaïque', status: 'overdue' });
    expect((await list('status=overdue')).total).toBe(2);
  });

  it('filters by grantee id and by a due window', async () => {
    expect(refs(await list(`grantee=${G3}`))).toEqual(['PX-CCCC-0003:2027-04-01', 'PX-CCCC-0003:2027-06-20']);
    expect(refs(await list('dueAfter=2027-06-01&dueBefore=2027-06-30'))).toEqual([
      'PX-BBBB-0002:2027-06-15',
      'PX-CCCC-0003:2027-06-20',
    ]);
    // another funder's grantee id shows nothing (no existence revealed)
    expect((await list(`grantee=${G1}`, asFunder(E))).total).toBe(0);
  });

  it('finds free text in the grantee name, title, external ref or reference code, any case, never across tenants', async () => {
    expect(refs(await list('q=zénith'))).toEqual(['PX-AAAA-0001:2027-05-10', 'PX-AAAA-0001:2027-12-01']);
    expect(refs(await list('q=JARDINS'))).toEqual(['PX-BBBB-0002:2027-06-15']);
    expect(refs(await list('q=sub-2027'))).toEqual(['PX-BBBB-0002:2027-06-15']);
    expect(refs(await list('q=cccc-0003')).length).toBe(2);
    expect((await list('q=%25')).total).toBe(0); // a literal % (no title holds one), not "anything"
    expect((await list('q=_')).total).toBe(0);
    expect((await list('q=%20%20')).total).toBe(5); // blank: no filter
    expect((await list('q=zénith&status=upcoming')).total).toBe(1);
  });

  it('sorts by status (overdue first), grantee name and latest due date, paging every sort with its cursor', async () => {
    const all = async (sort: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await list(`sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.total).toBe(5);
        seen.push(...refs(page));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    expect(await all('status')).toEqual([
      'PX-CCCC-0003:2027-04-01',
      'PX-AAAA-0001:2027-05-10',
      'PX-BBBB-0002:2027-06-15',
      'PX-CCCC-0003:2027-06-20',
      'PX-AAAA-0001:2027-12-01',
    ]);
    expect(await all('grantee')).toEqual([
      'PX-AAAA-0001:2027-05-10',
      'PX-AAAA-0001:2027-12-01',
      'PX-BBBB-0002:2027-06-15',
      'PX-CCCC-0003:2027-04-01',
      'PX-CCCC-0003:2027-06-20',
    ]);
    expect(await all('-dueDate')).toEqual([
      'PX-AAAA-0001:2027-12-01',
      'PX-CCCC-0003:2027-06-20',
      'PX-BBBB-0002:2027-06-15',
      'PX-AAAA-0001:2027-05-10',
      'PX-CCCC-0003:2027-04-01',
    ]);
    expect(await all('dueDate')).toEqual([...(await all('-dueDate'))].reverse());
  });

  it('shows an auditor the same list over its scope', async () => {
    const page = await list('q=zénith&sort=grantee', { role: 'auditor', funderIds: [D.funderId, E.funderId] });
    expect(page.total).toBe(3);
  });

  it('refuses a bad sort, a cursor of another sort, too long a text and an empty window (422 naming the field), in French and English', async () => {
    const statusPage = await list('sort=status&limit=1');
    for (const [q, path] of [
      ['sort=name', 'query.sort'],
      [`sort=grantee&cursor=${statusPage.nextCursor}`, 'cursor'],
      [`q=${'x'.repeat(201)}`, 'query.q'],
      ['grantee=nope', 'query.grantee'],
      ['dueAfter=2027-07-01&dueBefore=2027-06-01', 'dueAfter'],
    ]) {
      const fr = await h.call('GET', `/v1/obligations?${q}`, asFunder(D));
      expect(fr.status).toBe(422);
      const body = await json(fr);
      expect(body.errors.map((e: any) => e.path)).toContain(path);
      const en = await h.call('GET', `/v1/obligations?${q}`, asFunder(D), undefined, { 'accept-language': 'en' });
      const enBody = await json(en);
      expect(enBody.title).not.toEqual(body.title);
    }
  });

  it('reads the older cursor form [dueDate, id] as the due-date sort', async () => {
    const first = await list('limit=1');
    const old = Buffer.from(JSON.stringify([first.data[0].dueDate, first.data[0].id])).toString('base64url');
    expect(refs(await list(`limit=1&cursor=${old}`))).toEqual(['PX-AAAA-0001:2027-05-10']);
  });
});
