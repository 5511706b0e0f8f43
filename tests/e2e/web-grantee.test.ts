import { eventually, type Browser } from '@pc/testkit';
import { ADMIN, json, type System } from './system';
import { withBrowserSystem, expectAccessible as expectAccessibleIn, linkOnEdge } from './web-pages';

// The grantee's pages in a real Chromium, through the edge, on the whole system: the link of a
// reminder captured at the SMTP sink opens the grantee page, which names each obligation's funder; a refused URL says why, a good one
// fulfils; another contact's obligation (same organisation) is a 404, to read and to declare on;
// the calendar URL is fetched with no header and parses, and is a 404 once revoked; a sign-in
// request for an unknown email answers as for a known one; a POST without CSRF field is refused;
// axe-core finds nothing on any page, in French and in English; no horizontal scroll at 390 px.
let sys: System;
let browser: Browser;
withBrowserSystem((s, b) => {
  sys = s;
  browser = b;
});

const onEdge = (link: string): string => linkOnEdge(sys, link);
const expectAccessible = (name: string): Promise<void> => expectAccessibleIn(browser, name);

it('a grantee contact follows its reminder, declares a note, manages its calendar; nothing of another contact', async () => {
  const funder = await json<{ id: string }>(
    await sys.call('POST', '/v1/funders', ADMIN, { name: 'Fondation Lucie', kind: 'foundation' }),
    201,
  );
  const key = (
    await json<{ token: string }>(
      await sys.call('POST', '/v1/api-keys', ADMIN, { role: 'funder', funderId: funder.id, label: 'A' }),
      201,
    )
  ).token;
  await eventually(
    async () =>
      (await sys.call('POST', '/v1/programmes', key, { code: 'SAVOIRS', name: 'Savoirs partagés' })).status === 201,
    'programme created',
  );
  const agreement = async (ref: string, email: string, name: string) =>
    json<{ id: string; referenceCode: string; obligations: { id: string }[] }>(
      await sys.call('POST', '/v1/agreements', key, {
        externalRef: ref,
        programmeCode: 'SAVOIRS',
        title: `Projet ${ref}`,
        amount: { value: 1_000_000, currency: 'CAD' },
        startDate: '2027-01-01',
        endDate: '2027-12-31',
        signedAt: '2026-12-10',
        // one organisation, two agreements, each with its own contact
        grantee: { name: 'Atelier du quartier', neq: '1144556677', contacts: [{ name, email, locale: 'fr' }] },
        requirements: [{ kind: 'mid_term_note', count: 1, due: { date: '2027-07-15' } }],
      }),
      201,
    );
  const mine = await agreement('WEB-0001', 'alice@atelier.example', 'Alice Roy');
  const theirs = await agreement('WEB-0002', 'bob@atelier.example', 'Bob Roy');
  const myObligation = mine.obligations[0]!.id;
  const theirObligation = theirs.obligations[0]!.id;

  const job = await json<{ id: string }>(
    await sys.call('POST', '/v1/jobs/evaluate', ADMIN, { asOf: '2027-06-15' }),
    202,
  );
  const mail = await eventually(
    async () => sys.sink.messages.find((m) => m.envelopeTo.includes('alice@atelier.example')),
    `reminder email (job ${job.id})`,
    60_000,
  );
  const link = /https?:\/\/\S+\/grantee\?acces=[\w.%-]+/.exec(mail.parsed.text ?? '')?.[0];
  expect(link).toBeDefined();

  // The link opens the grantee page, signed in as Alice, in French; the token leaves the address bar.
  const { page } = browser;
  await page.goto(onEdge(link!));
  expect(new URL(page.url()).search).not.toContain('acces=');
  expect(await page.getAttribute('html', 'lang')).toBe('fr');
  await expect(page.locator('h1').textContent()).resolves.toBe('Mes obligations de diffusion');
  const table = await page.locator('table').textContent();
  // each obligation names its funder (the obligations service's copy of funder.registered)
  expect(await page.locator('table thead th').first().textContent()).toBe('Bailleur de fonds');
  expect(await page.locator('table tbody tr td').first().textContent()).toBe('Fondation Lucie');
  expect(table).toContain(mine.referenceCode);
  expect(table).toContain('Note de mi-parcours');
  expect(table).not.toContain(theirs.referenceCode);
  await expectAccessible('grantee-fr');
  // on a phone each obligation is a card: its reference code is on screen, not past a scrolled table's edge
  await page.setViewportSize({ width: 390, height: 844 });
  const ref = (await page.locator(`#ref-${myObligation}`).boundingBox())!;
  expect(ref.x + ref.width).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1280, height: 900 });

  // A refused URL: every check in plain words.
  await page.click(`a[href="/grantee/obligations/${myObligation}"]`);
  expect(await page.locator('dl.facts dd').first().textContent()).toBe('Fondation Lucie');
  await expectAccessible('grantee-obligation-fr');
  await page.fill('#url', 'https://example.com/n/abc/');
  await page.click('form[action$="/evidence"] button');
  const refused = await page.locator('section.result').textContent();
  expect(refused).toContain('La note n’est pas acceptée');
  expect(refused).toContain('La note est sur Praxis : non conforme');
  await expectAccessible('grantee-refused-fr');

  // A good one: fulfilled ("remplie").
  const note = sys.simulator.createNote({
    title: 'Ce que nous avons appris',
    carnets: ['atelier'],
    visibility: 'public',
    publishedAt: '2027-06-20',
    body: `Bilan à mi-parcours. Référence : ${mine.referenceCode}.`,
  });
  await page.fill('#url', sys.simulator.noteUrl(note.id));
  await page.click('form[action$="/evidence"] button');
  const accepted = await page.locator('section.result').textContent();
  expect(accepted).toContain('La note est acceptée');
  expect(accepted).toContain('État de l’obligation : remplie');
  for (const check of [
    'host_allowed',
    'publicly_accessible',
    'mentions_reference',
    'published_in_window',
    'not_already_used',
  ])
    expect(await page.locator(`li[data-check="${check}"]`).textContent()).toContain('vérifié');

  // Bob's obligation (same organisation, another agreement's contact): 404 to read and to declare on.
  const csrf = await page.locator('input[name="_csrf"]').first().getAttribute('value');
  expect((await page.request.get(`${sys.base}/grantee/obligations/${theirObligation}`)).status()).toBe(404);
  const forged = await page.request.post(`${sys.base}/grantee/obligations/${theirObligation}/evidence`, {
    form: { _csrf: csrf!, url: sys.simulator.noteUrl(note.id) },
    maxRedirects: 0,
  });
  expect(forged.status()).toBe(404);
  // …and without the CSRF field, even on her own obligation: refused, nothing declared.
  const noCsrf = await page.request.post(`${sys.base}/grantee/obligations/${myObligation}/evidence`, {
    form: { url: 'https://example.com/n/abc/' },
    maxRedirects: 0,
  });
  expect(noCsrf.status()).toBe(403);
  expect(await noCsrf.text()).toContain('Ce formulaire a expiré ou ne vient pas de ce site');
  const theirsNow = await json<{ status: string; evidence: unknown[] }>(
    await sys.call('GET', `/v1/obligations/${theirObligation}`, key),
    200,
  );
  expect(theirsNow.evidence).toEqual([]);

  // The calendar: created from the page, fetched with no header at all, parses; revoked → 404.
  await page.goto(`${sys.base}/grantee`);
  await page.click('form[action="/grantee/calendar"] button');
  const https = (await page.locator('#calendar-https').textContent())!.trim();
  expect(await page.locator('#calendar-webcal').getAttribute('href')).toMatch(/^webcal:\/\//);
  await expectAccessible('grantee-calendar-fr');
  const feedUrl = onEdge(https);
  const feed = await fetch(feedUrl);
  expect(feed.status).toBe(200);
  expect(feed.headers.get('content-type')).toMatch(/^text\/calendar/);
  const ics = (await feed.text()).replace(/\r\n[ \t]/g, ''); // unfolded
  expect(ics.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
  expect(ics.trimEnd().endsWith('END:VCALENDAR')).toBe(true);
  expect(ics.split('BEGIN:VEVENT').length - 1).toBe(ics.split('END:VEVENT').length - 1);
  expect(ics).not.toContain(theirs.referenceCode);
  await page.click('form[action="/grantee/calendar/revoke"] button');
  expect((await fetch(feedUrl)).status).toBe(404);

  // English, remembered: every page again, checked by axe.
  await page.click('form[action="/language"] button');
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  await expect(page.locator('h1').textContent()).resolves.toBe('My publishing obligations');
  await expectAccessible('grantee-en');
  await page.goto(`${sys.base}/grantee/obligations/${myObligation}`);
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  expect(await page.locator('main').textContent()).toContain('fulfilled');
  await expectAccessible('grantee-obligation-en');

  // Sign-out ends the session on the server: the old cookie opens nothing.
  const cookies = await browser.context.cookies();
  const session = cookies.find((c) => c.name === 'pc_session')!.value;
  await page.click('form[action="/sign-out"] button');
  const replay = await fetch(`${sys.base}/grantee`, {
    headers: { cookie: `pc_session=${session}` },
    redirect: 'manual',
  });
  expect(replay.status).toBe(303);
  expect(replay.headers.get('location')).toMatch(/^\/sign-in/);
}, 240_000);

it('a sign-in request answers the same for a known and an unknown email; the link opens the session once', async () => {
  const { page } = browser;
  await browser.context.clearCookies();
  for (const locale of ['fr', 'en'] as const) {
    await page.goto(`${sys.base}/sign-in`);
    if ((await page.getAttribute('html', 'lang')) !== locale) await page.click('form[action="/language"] button');
    expect(await page.getAttribute('html', 'lang')).toBe(locale);
    await expectAccessible(`sign-in-${locale}`);
  }
  await page.click('form[action="/language"] button'); // back to French
  const ask = async (email: string) => {
    await page.goto(`${sys.base}/sign-in`);
    await page.fill('#email', email);
    const started = Date.now();
    await page.click('form[action="/sign-in"] button');
    return { ms: Date.now() - started, url: page.url(), text: await page.locator('main').innerHTML() };
  };
  const before = sys.sink.messages.length;
  const unknown = await ask('nobody@nowhere.example');
  const known = await ask('alice@atelier.example');
  expect(known.url).toBe(unknown.url);
  expect(known.text).toBe(unknown.text);
  expect(known.text).toContain('Si cette adresse est connue');
  const signIn = await eventually(
    async () => sys.sink.messages.slice(before).find((m) => m.envelopeTo.includes('alice@atelier.example')),
    'sign-in email',
    30_000,
  );
  expect(sys.sink.messages.slice(before).some((m) => m.envelopeTo.includes('nobody@nowhere.example'))).toBe(false);
  // a malformed address is the one refusal, and it names the field
  await page.goto(`${sys.base}/sign-in`);
  await page.fill('#email', 'pas-une-adresse');
  await page.click('form[action="/sign-in"] button');
  expect(await page.locator('#email-error').textContent()).toContain('Saisissez une adresse courriel complète');
  await expectAccessible('sign-in-error-fr');

  const magic = /https?:\/\/\S+\/sign-in\/link\?token=[\w%-]+/.exec(signIn.parsed.text ?? '')![0];
  await page.goto(onEdge(magic));
  await expectAccessible('sign-in-link-fr');
  await page.click('form[action="/sign-in/link"] button');
  expect(new URL(page.url()).pathname).toBe('/grantee');
  // single use: the same link again is refused
  await browser.context.clearCookies();
  await page.goto(onEdge(magic));
  await page.click('form[action="/sign-in/link"] button');
  expect(await page.locator('[role="alert"]').textContent()).toContain('a expiré ou a déjà servi');
}, 120_000);

it('an admin invites a funder officer by email; the link signs it in; removal ends its session at once', async () => {
  const funder = await json<{ id: string }>(
    await sys.call('POST', '/v1/funders', ADMIN, { name: 'Fondation Invitée', kind: 'foundation' }),
    201,
  );
  // a malformed scope is a 422 naming the field, in French by default, and adds nobody
  const bad = await sys.call('POST', '/v1/members', ADMIN, {
    email: 'agent@fondation.example',
    role: 'funder_officer',
    funderIds: [
      funder.id,
      funder.id.replace(/.$/, '0') === funder.id ? funder.id.replace(/.$/, '1') : funder.id.replace(/.$/, '0'),
    ],
  });
  expect(bad.status).toBe(422);
  expect(await bad.text()).toContain('nomme exactement un bailleur de fonds');
  const before = await json<{ data: Array<{ email: string }> }>(await sys.call('GET', '/v1/members', ADMIN), 200);
  expect(before.data.map((m) => m.email)).not.toContain('agent@fondation.example');

  const sent = sys.sink.messages.length;
  const member = await json<{ id: string; role: string; funderIds: string[] }>(
    await sys.call('POST', '/v1/members', ADMIN, {
      email: 'Agent@Fondation.example',
      role: 'funder_officer',
      funderIds: [funder.id],
    }),
    201,
  );
  expect(member).toMatchObject({ role: 'funder_officer', funderIds: [funder.id] });
  const invitation = await eventually(
    async () => sys.sink.messages.slice(sent).find((m) => m.envelopeTo.includes('agent@fondation.example')),
    'invitation email',
    30_000,
  );
  expect(invitation.parsed.subject).toBe('Vous êtes invité à Praxis conformité');
  const magic = /https?:\/\/\S+\/sign-in\/link\?token=[\w%-]+/.exec(invitation.parsed.text ?? '')![0];

  await browser.context.clearCookies();
  const { page } = browser;
  await page.goto(onEdge(magic));
  await page.click('form[action="/sign-in/link"] button');
  expect(new URL(page.url()).pathname).toBe('/funder');
  const session = (await browser.context.cookies()).find((c) => c.name === 'pc_session')!.value;
  const home = () => fetch(`${sys.base}/`, { headers: { cookie: `pc_session=${session}` }, redirect: 'manual' });
  expect((await home()).headers.get('location')).toBe('/funder');

  expect((await sys.call('DELETE', `/v1/members/${member.id}`, ADMIN)).status).toBe(204);
  expect((await home()).headers.get('location')).toBe('/sign-in');
}, 120_000);
