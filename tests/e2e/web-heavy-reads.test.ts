import { eventually, openSignInLink } from '@pc/testkit';
import { ADMIN, json, startSystem, type System } from './system';
import { apiKey, registerFunder } from './scenario';

// The pages call the services directly, past the edge's heavy-read budget: the web service spends
// the signed-in person's own budget by the same rule (a PDF counts five). Here 6 a minute: a PDF and
// a JSON report pass, the CSV after them is a 429 page with Retry-After; another person is not held up.
let sys: System;
let funderId = '';
beforeAll(async () => {
  sys = await startSystem({ env: { HEAVY_READS_PER_MINUTE: '6' } });
  funderId = (await registerFunder(sys, { name: 'Fondation Lourde' })).id;
}, 120_000);
afterAll(() => sys?.stop());

async function officer(email: string): Promise<string> {
  const sent = sys.sink.messages.length;
  await json(
    await sys.call('POST', '/v1/members', ADMIN, { email, role: 'funder_officer', funderIds: [funderId] }),
    201,
  );
  const mail = await eventually(
    async () => sys.sink.messages.slice(sent).find((m) => m.envelopeTo.includes(email)),
    `invitation of ${email}`,
  );
  return (
    await openSignInLink(sys.base, /https?:\/\/\S+\/sign-in\/link\?token=[\w%-]+/.exec(mail.parsed.text ?? '')![0])
  ).cookie;
}

const report = (cookie: string, format: string) =>
  fetch(`${sys.base}/funder/report?format=${format}`, { headers: { cookie }, redirect: 'manual' });

it("a person's reports past the budget are a 429 page with Retry-After; another person's are not", async () => {
  const first = await officer('lourd.un@lourde.example');
  const second = await officer('lourd.deux@lourde.example');
  // the reports service may need a moment to know the funder: wait for it through the API (the
  // edge's budget, another key's), so that no page report is spent before it can answer
  const key = await apiKey(sys, { role: 'funder', funderId });
  await eventually(
    async () => (await sys.call('GET', '/v1/reports/compliance?format=json', key)).status === 200,
    'the funder known to the reports service',
    30_000,
    2_000,
  );
  expect((await report(first, 'pdf')).status).toBe(200);
  expect((await report(first, 'json')).status).toBe(200);

  const refused = await report(first, 'csv');
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const html = await refused.text();
  expect(html).toContain('<html lang="fr"');
  expect(html).toContain('trop de rapports');

  expect((await report(second, 'csv')).status).toBe(200);
});
