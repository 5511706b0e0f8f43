import { eventually, type Browser } from '@pc/testkit';
import { CENTS_COLUMNS } from '../../services/agreements/src/domain/csv-columns';
import { ADMIN, json, type System } from './system';
import { apiKey, createProgramme, registerFunder } from './scenario';
import { withBrowserSystem, expectAccessible as expectAccessibleIn, linkOnEdge } from './web-pages';

// A funder with more grantees than a select can usefully hold (101 here, thousands in a provincial
// programme): the dashboard offers no select of them; the officer picks a grantee by its name in the
// list, sees only its obligations and the filter that says so, and goes back to all of them. In a
// real Chromium through the edge, axe-core and 390 px checked in French and English.
let sys: System;
let browser: Browser;
withBrowserSystem((s, b) => {
  sys = s;
  browser = b;
});

const GRANTEES = 101;
const CSV_HEADER = CENTS_COLUMNS.join(',');

it('picks a grantee from the list when there are too many for a select', async () => {
  const funder = await registerFunder(sys, { name: 'Fondation Multitude' });
  const key = await apiKey(sys, { role: 'funder', funderId: funder.id });
  await createProgramme(sys, key, { code: 'MULTI', name: 'Multitude' });
  const rows = Array.from({ length: GRANTEES }, (_, i) => {
    const n = String(i + 1).padStart(3, '0');
    return `MUL-${n},MULTI,Projet ${n},,,2027-01-01,2027-12-31,,Organisme ${n},,Contact ${n},c${n}@multi.example,fr,,,,,`;
  });
  const imported = await sys.call('POST', '/v1/agreements/import', key, `${CSV_HEADER}\n${rows.join('\n')}\n`, {
    'content-type': 'text/csv',
  });
  expect(imported.status).toBe(201);

  const sent = sys.sink.messages.length;
  const email = 'officier@multi.example';
  await json(
    await sys.call('POST', '/v1/members', ADMIN, { email, role: 'funder_officer', funderIds: [funder.id] }),
    201,
  );
  const invitation = await eventually(
    async () => sys.sink.messages.slice(sent).find((m) => m.envelopeTo.includes(email)),
    'invitation',
  );
  const { page } = browser;
  await page.goto(
    linkOnEdge(sys, /https?:\/\/\S+\/sign-in\/link\?token=[\w%-]+/.exec(invitation.parsed.text ?? '')![0]),
  );
  await page.click('form[action="/sign-in/link"] button');
  // the report counts every grantee (what decides the filter's shape) and the list holds every obligation
  await eventually(
    async () => {
      await page.goto(`${sys.base}/funder?sort=grantee`);
      const main = (await page.locator('main').textContent())!;
      return main.includes(`sur ${GRANTEES}`) && main.includes('Choisissez un organisme');
    },
    'every obligation and grantee on the dashboard',
    60_000,
  );
  expect(await page.locator('#f-grantee').count()).toBe(0);
  await expectAccessibleIn(browser, 'funder-dashboard-many-grantees-fr');

  const first = page.locator('section[aria-labelledby="obligations-h"] tbody tr').first();
  expect(await first.locator('td').nth(2).textContent()).toBe('Organisme 001');
  await first.locator('td').nth(2).locator('a').click();
  expect(new URL(page.url()).searchParams.get('grantee')).toMatch(/^[0-9a-f-]{36}$/);
  const listed = page.locator('section[aria-labelledby="obligations-h"] tbody tr');
  expect(await listed.count()).toBe(1);
  expect(await listed.first().textContent()).toContain('Organisme 001');
  expect(await page.locator('form.filters').textContent()).toContain('Organisme : Organisme 001');
  // the chosen grantee stays through another filter
  await page.selectOption('#f-status', 'upcoming');
  await page.click('form.filters button[type="submit"]');
  expect(new URL(page.url()).searchParams.get('grantee')).toMatch(/^[0-9a-f-]{36}$/);
  expect(await listed.count()).toBe(1);
  await expectAccessibleIn(browser, 'funder-dashboard-one-grantee-fr');

  await page.click('form.filters a:text("Tous les organismes")');
  expect(new URL(page.url()).searchParams.get('grantee')).toBeNull();
  expect(await page.locator('main').textContent()).toContain(`sur ${GRANTEES}`);

  await page.click('form[action="/language"] button');
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  await page
    .locator('section[aria-labelledby="obligations-h"] tbody tr')
    .first()
    .locator('td')
    .nth(2)
    .locator('a')
    .click();
  expect(await page.locator('form.filters').textContent()).toContain('Organisation: Organisme');
  await expectAccessibleIn(browser, 'funder-dashboard-one-grantee-en');
});
