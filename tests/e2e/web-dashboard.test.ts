import { eventually, openSignInLink, type Browser } from '@pc/testkit';
import { CENTS_COLUMNS } from '../../services/agreements/src/domain/csv-columns';
import { ADMIN, json, type System } from './system';
import {
  withBrowserSystem,
  expectAccessible as expectAccessibleIn,
  linkOnEdge,
  requestLinkElsewhere,
} from './web-pages';

// The funder dashboard and the auditor view in a real Chromium, through the edge, on the whole
// system: a funder officer invited by email signs in with the link from the SMTP sink, filters the
// overdue obligations, grants an extension, imports a CSV with one bad row and reads the error on
// that row, creates an API key, invites a member (a bad address named next to its field first; the
// invitation in the language chosen), removes it (its session and its links no longer open the
// auditor view); an auditor signs in, finds no form to post, a forged POST is a 403,
// verifies and exports the audit. axe-core finds nothing on any page, in French and English; no
// horizontal scroll at 390 px; screenshots at 1280 and 390 px.
let sys: System;
let browser: Browser;
withBrowserSystem((s, b) => {
  sys = s;
  browser = b;
});

const onEdge = (link: string): string => linkOnEdge(sys, link);
const expectAccessible = (name: string): Promise<void> => expectAccessibleIn(browser, name);

const linkIn = (m: { parsed: { text?: string } }): string =>
  /https?:\/\/\S+\/sign-in\/link\?token=[\w%-]+/.exec(m.parsed.text ?? '')![0];

/** Invites a member and signs in with the link of the invitation email, in a fresh browser session. */
async function signInAsInvited(email: string, body: Record<string, unknown>): Promise<void> {
  const sent = sys.sink.messages.length;
  await json(await sys.call('POST', '/v1/members', ADMIN, { email, ...body }), 201);
  const invitation = await eventually(
    async () => sys.sink.messages.slice(sent).find((m) => m.envelopeTo.includes(email)),
    `invitation of ${email}`,
    30_000,
  );
  const magic = linkIn(invitation);
  await browser.context.clearCookies();
  await browser.page.goto(onEdge(magic));
  await browser.page.click('form[action="/sign-in/link"] button');
}

const CSV_HEADER = CENTS_COLUMNS.join(',');

let funderId = '';
let overdueAgreement = { id: '', referenceCode: '', obligations: [{ id: '' }] };

it('a funder officer signs in from the invitation, filters overdue, extends, imports with a bad row, manages keys', async () => {
  const funder = await json<{ id: string }>(
    await sys.call('POST', '/v1/funders', ADMIN, { name: 'Fondation Boréale', kind: 'foundation' }),
    201,
  );
  funderId = funder.id;
  const key = (
    await json<{ token: string }>(
      await sys.call('POST', '/v1/api-keys', ADMIN, { role: 'funder', funderId, label: 'système' }),
      201,
    )
  ).token;
  await eventually(
    async () => (await sys.call('POST', '/v1/programmes', key, { code: 'RACINES', name: 'Racines' })).status === 201,
    'programme created',
  );
  const register = (ref: string, grantee: string, due: string) =>
    sys.call('POST', '/v1/agreements', key, {
      externalRef: ref,
      programmeCode: 'RACINES',
      title: `Projet ${ref}`,
      startDate: '2026-01-01',
      endDate: '2027-12-31',
      grantee: { name: grantee, contacts: [{ name: 'Chantal Roy', email: 'chantal@racines.example' }] },
      requirements: [{ kind: 'learning_note', count: 1, due: { date: due } }],
    });
  overdueAgreement = await json(await register('BOR-0001', 'Jardin des Racines', '2026-10-15'), 201);
  await json(await register('BOR-0002', 'Atelier Nordique', '2027-09-30'), 201);

  await signInAsInvited('officier@boreale.example', { role: 'funder_officer', funderIds: [funderId] });
  const { page } = browser;
  expect(new URL(page.url()).pathname).toBe('/funder');
  expect(await page.getAttribute('html', 'lang')).toBe('fr');
  // the read models catch up: both obligations listed, the programme counted
  await eventually(
    async () => {
      await page.goto(`${sys.base}/funder`);
      return (await page.locator('main').textContent())!.includes('Obligations 1 à 2 sur 2');
    },
    'both obligations on the dashboard',
    30_000,
  );
  expect(await page.locator('table').first().textContent()).toContain('RACINES');
  await expectAccessible('funder-dashboard-fr');

  // filter the overdue ones (the form, submitted like a person would)
  await page.selectOption('#f-status', 'overdue');
  await page.click('form.filters button[type="submit"]');
  expect(new URL(page.url()).searchParams.get('status')).toBe('overdue');
  const listed = await page.locator('section[aria-labelledby="obligations-h"] tbody').textContent();
  expect(listed).toContain('Jardin des Racines');
  expect(listed).not.toContain('Atelier Nordique');
  expect(listed).toContain('en retard');
  await expectAccessible('funder-dashboard-overdue-fr');

  // the agreement: history, then an extension with a reason
  await page.click('section[aria-labelledby="obligations-h"] tbody a[href*="/agreements/"]');
  expect(new URL(page.url()).pathname).toBe(`/funder/agreements/${overdueAgreement.id}`);
  await expectAccessible('funder-agreement-fr');
  const o = overdueAgreement.obligations[0]!.id;
  // a refused extension first: the error is shown next to the field, nothing changed
  await page.fill(`#o-${o.slice(0, 8)}-date`, '2026-01-01');
  await page.fill(`#o-${o.slice(0, 8)}-ext-reason`, 'Retard du comité');
  await page.click(`form[action="/funder/obligations/${o}/extension"] button`);
  expect(await page.locator(`#o-${o.slice(0, 8)}-date-err`).textContent()).toBeTruthy();
  expect((await json<{ status: string }>(await sys.call('GET', `/v1/obligations/${o}`, key), 200)).status).toBe(
    'overdue',
  );
  await page.fill(`#o-${o.slice(0, 8)}-date`, '2027-03-31');
  await page.fill(`#o-${o.slice(0, 8)}-ext-reason`, 'Retard du comité');
  await page.click(`form[action="/funder/obligations/${o}/extension"] button`);
  expect(await page.locator('p.notice[role="status"]').textContent()).toBe('La prolongation est accordée.');
  expect(await page.locator(`#o-${o}`).textContent()).toContain('Retard du comité');
  const after = await json<{ status: string; dueDate: string }>(
    await sys.call('GET', `/v1/obligations/${o}`, key),
    200,
  );
  expect(after).toMatchObject({ status: 'extended', dueDate: '2027-03-31' });
  await expectAccessible('funder-agreement-extended-fr');

  // CSV import: row 3 has no title; nothing imported, the error shown against row 3
  await page.goto(`${sys.base}/funder/import`);
  await expectAccessible('funder-import-fr');
  const good = `BOR-0100,RACINES,Projet cent,,,2027-01-01,2027-12-31,,Coop Alpha,,Luc Roy,luc@alpha.example,fr,,,,,`;
  const bad = `BOR-0101,RACINES,,,,2027-01-01,2027-12-31,,Coop Beta,,Léa Roy,lea@beta.example,fr,,,,,`;
  await page.setInputFiles('#csv-file', {
    name: 'ententes.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`${CSV_HEADER}\n${good}\n${bad}\n`),
  });
  await page.click('form[action="/funder/import"] button');
  expect(await page.locator('div[role="alert"]').textContent()).toContain('Rien n’a été importé');
  const rowError = page.locator('table.row-errors tbody tr');
  expect(await rowError.count()).toBeGreaterThanOrEqual(1);
  expect(await rowError.first().locator('th').textContent()).toBe('3');
  const agreements = await json<{ data: { externalRef: string }[] }>(await sys.call('GET', '/v1/agreements', key), 200);
  expect(agreements.data.map((a) => a.externalRef)).not.toContain('BOR-0100');
  await expectAccessible('funder-import-errors-fr');

  // API keys: created from the page, the token shown once
  await page.goto(`${sys.base}/funder/api-keys`);
  await page.fill('#key-label', 'tableur du programme');
  await page.click('form[action="/funder/api-keys"] button');
  const token = (await page.locator('#new-token').textContent())!.trim();
  expect(token).toMatch(/^pk_/);
  expect((await sys.call('GET', '/v1/obligations', token)).status).toBe(200);
  await expectAccessible('funder-api-keys-fr');

  // Members: the officer's own row has no remove button; a bad address is named next to its field
  // and adds nobody; an auditor is invited in English, listed, signs in elsewhere, and is removed
  await page.click('nav.area-nav a[href="/funder/members"]');
  expect(new URL(page.url()).pathname).toBe('/funder/members');
  const own = page.locator('tbody tr', { hasText: 'officier@boreale.example' });
  expect(await own.textContent()).toContain('Personnel du bailleur de fonds');
  expect(await own.locator('button').count()).toBe(0);
  expect(await page.locator('main').textContent()).toContain('Vous ne pouvez pas vous retirer vous-même');
  await expectAccessible('funder-members-fr');
  const members = async () =>
    (await json<{ data: { email: string }[] }>(await sys.call('GET', '/v1/members', ADMIN), 200)).data
      .map((m) => m.email)
      .sort();
  const membersBefore = await members();
  await page.fill('#member-email', 'pas-une-adresse');
  await page.click('form[action="/funder/members"] button');
  expect(await page.locator('#member-email-err').textContent()).toContain('Saisissez une adresse courriel complète');
  expect(await page.getAttribute('#member-email', 'aria-describedby')).toContain('member-email-err');
  expect(await page.inputValue('#member-email')).toBe('pas-une-adresse');
  await expectAccessible('funder-members-error-fr');
  expect(await members()).toEqual(membersBefore);

  const sentBefore = sys.sink.messages.length;
  await page.fill('#member-email', 'lecteur@boreale.example');
  await page.selectOption('#member-role', 'auditor');
  await page.selectOption('#member-locale', 'en');
  await page.click('form[action="/funder/members"] button');
  expect(await page.locator('p.notice[role="status"]').textContent()).toBe('L’invitation est envoyée.');
  const invited = await eventually(
    async () => sys.sink.messages.slice(sentBefore).find((m) => m.envelopeTo.includes('lecteur@boreale.example')),
    'the invitation of the new member',
    30_000,
  );
  expect(invited.parsed.subject).toBe('You are invited to Praxis compliance');
  const row = page.locator('tbody tr', { hasText: 'lecteur@boreale.example' });
  expect(await row.textContent()).toContain('Vérificateur');
  expect(await members()).toContain('lecteur@boreale.example');
  await expectAccessible('funder-members-invited-fr');
  const reader = await openSignInLink(sys.base, linkIn(invited));
  expect(reader.home).toBe('/auditor');
  const opensAuditorView = async (cookie: string) =>
    (await fetch(`${sys.base}/auditor`, { headers: { cookie }, redirect: 'manual' })).status;
  expect(await opensAuditorView(reader.cookie)).toBe(200);
  // a second link, asked while still a member and kept unused until after the removal
  const askedBefore = sys.sink.messages.length;
  await requestLinkElsewhere(sys, 'lecteur@boreale.example');
  const kept = await eventually(
    async () => sys.sink.messages.slice(askedBefore).find((m) => m.envelopeTo.includes('lecteur@boreale.example')),
    'a sign-in link of the member',
    30_000,
  );
  await page.click('button[aria-label="Retirer le membre lecteur@boreale.example"]');
  expect(await page.locator('p.notice[role="status"]').textContent()).toContain('Le membre est retiré');
  expect(await page.locator('tbody tr', { hasText: 'lecteur@boreale.example' }).count()).toBe(0);
  expect(await members()).not.toContain('lecteur@boreale.example');
  expect(await opensAuditorView(reader.cookie)).toBe(303); // the session ended: to the sign-in page
  // the kept link now opens no session at all: the address is neither a member nor a contact any more
  await expect(openSignInLink(sys.base, linkIn(kept))).rejects.toThrow('the link opened no session (HTTP 410)');

  // the report downloads
  const pdf = await page.request.get(`${sys.base}/funder/report?format=pdf`);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toContain('application/pdf');
  const csv = await page.request.get(`${sys.base}/funder/report?format=csv`);
  expect(await csv.text()).toContain('BOR-0001');

  // English, remembered, on every page
  await page.goto(`${sys.base}/funder`);
  await page.click('form[action="/language"] button');
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  await expect(page.locator('h1').textContent()).resolves.toBe('Funder dashboard');
  await expectAccessible('funder-dashboard-en');
  for (const [path, name] of [
    [`/funder/agreements/${overdueAgreement.id}`, 'funder-agreement-en'],
    ['/funder/import', 'funder-import-en'],
    ['/funder/api-keys', 'funder-api-keys-en'],
    ['/funder/members', 'funder-members-en'],
  ] as const) {
    await page.goto(`${sys.base}${path}`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await expectAccessible(name);
  }
}, 300_000);

it('an auditor signs in, sees no form, a forged POST is a 403, verifies and exports the audit', async () => {
  await signInAsInvited('verif@ministere.example', { role: 'auditor', funderIds: [funderId] });
  const { page } = browser;
  expect(new URL(page.url()).pathname).toBe('/auditor');
  await expect(page.locator('h1').textContent()).resolves.toBe('Vue du vérificateur');
  expect(await page.locator('main').textContent()).toContain('Jardin des Racines');
  expect(await page.locator('main form[method="post"]').count()).toBe(0);
  await expectAccessible('auditor-dashboard-fr');

  await page.goto(`${sys.base}/auditor/agreements/${overdueAgreement.id}`);
  expect(await page.locator('main').textContent()).toContain('Retard du comité');
  expect(await page.locator('main form').count()).toBe(0);
  await expectAccessible('auditor-agreement-fr');

  // forged POSTs, with the auditor's own valid CSRF field: the funder's extension, and anything under /auditor
  const csrf = await page.locator('input[name="_csrf"]').first().getAttribute('value');
  const o = overdueAgreement.obligations[0]!.id;
  for (const path of [`/funder/obligations/${o}/waiver`, `/auditor/agreements/${overdueAgreement.id}`]) {
    const forged = await page.request.post(`${sys.base}${path}`, {
      form: { _csrf: csrf!, reason: 'falsifié' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
  }

  await page.goto(`${sys.base}/auditor/audit`);
  expect(await page.locator('main p[role="status"]').first().textContent()).toContain('Chaîne intacte');
  await expectAccessible('auditor-audit-fr');
  const ndjson = await page.request.get(`${sys.base}/auditor/audit/export?funderId=${funderId}`);
  expect(ndjson.status()).toBe(200);
  const lines = (await ndjson.text()).trim().split('\n');
  expect(lines.length).toBeGreaterThan(0);
  expect(JSON.parse(lines[0]!)).toHaveProperty('hash');

  await page.click('form[action="/language"] button');
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  await expectAccessible('auditor-audit-en');
  for (const [path, name] of [
    ['/auditor', 'auditor-dashboard-en'],
    [`/auditor/agreements/${overdueAgreement.id}`, 'auditor-agreement-en'],
  ] as const) {
    await page.goto(`${sys.base}${path}`);
    await expectAccessible(name);
  }
}, 240_000);

it('an admin signs in to the members of every funder; the page passes axe in French and English', async () => {
  await signInAsInvited('chef@operations.example', { role: 'admin' });
  const { page } = browser;
  expect(new URL(page.url()).pathname).toBe('/admin');
  expect(await page.locator('h1').textContent()).toBe('Administration : les membres');
  // the officer and the auditor of the other tests are listed, with a button each; the admin's own row has none
  const listed = (await page.locator('table.members tbody').textContent())!;
  expect(listed).toContain('officier@boreale.example');
  expect(listed).toContain('verif@ministere.example');
  expect(
    await page.locator('table.members tbody tr', { hasText: 'chef@operations.example' }).locator('button').count(),
  ).toBe(0);
  await expectAccessible('admin-members-fr');
  await page.click('form[action="/language"] button');
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  await expectAccessible('admin-members-en');
}, 120_000);
