import { createLogger } from '@pc/service-kit';
import { eventually } from '@pc/testkit';
import { ADMIN, json, startSystem, type System } from './system';
import { apiKey, createProgramme, registerFunder } from './scenario';

// The logs check: one scenario with a known contact email and name and a known API token runs
// through every service (intake, reminders to a delivered and to a refused address, preferences
// set by email in the path, evidence verified on Praxis, a sync, reports in every format, the audit
// trail, a job), every service logging at its most verbose level into a capture; then no line of
// any service contains the email (plain or URL-encoded), the name or the token (or its secret).
const EMAIL = 'zephirine.logcheck@example.org';
const REFUSED = 'quentin.refuse-logcheck@example.org';
const NAME = 'Zéphirine Logcheck-Ouellet';
const OTHER_NAME = 'Quentin Refusé-Logcheck';
const lines: { service: string; line: string }[] = [];
let sys: System;

beforeAll(async () => {
  sys = await startSystem({
    loggers: (service) =>
      createLogger(service, 'trace', { write: (line: string) => void lines.push({ service, line }) }),
  });
}, 120_000);
afterAll(async () => {
  await sys?.stop();
});

async function waitJob(id: string): Promise<void> {
  await eventually(
    async () => {
      const job = await json<{ status: string }>(await sys.call('GET', `/v1/jobs/${id}`, ADMIN), 200);
      if (job.status === 'failed') throw new Error(`job failed: ${JSON.stringify(job)}`);
      return job.status === 'succeeded';
    },
    `job ${id} to succeed`,
    30_000,
    200,
  );
}

it('no log line of any service holds a contact email, a contact name or an API token', async () => {
  sys.sink.rejectPermanently.add(REFUSED);
  const funder = await registerFunder(sys, {
    name: 'Fondation Logcheck',
    reportRecipients: ['rapports-logcheck@example.org'],
  });
  const created = await sys.call(
    'POST',
    '/v1/api-keys',
    ADMIN,
    { role: 'funder', funderId: funder.id, label: 'système' },
    { 'idempotency-key': 'logcheck-key' },
  );
  const token = (await json<{ token: string }>(created, 201)).token;
  const auditor = await apiKey(sys, { role: 'auditor', funderIds: [funder.id], label: 'vérif' });
  const carnet = 'carnet-logcheck';
  await createProgramme(sys, token, {
    code: 'LOGCHECK',
    name: 'Programme du contrôle des journaux',
    praxisFeeds: [`${sys.simulator.baseUrl}/carnets/${carnet}/rss.xml`],
  });
  const agreement = await json<{
    id: string;
    referenceCode: string;
    grantee: { id: string };
    obligations: { id: string }[];
  }>(
    await sys.call('POST', '/v1/agreements', token, {
      externalRef: 'LOGCHECK-0001',
      programmeCode: 'LOGCHECK',
      title: 'Entente du contrôle',
      amount: { value: 1_000_000, currency: 'CAD' },
      startDate: '2027-01-01',
      endDate: '2027-12-31',
      signedAt: '2026-12-10',
      grantee: {
        name: 'Organisme Logcheck',
        contacts: [
          { name: NAME, email: EMAIL, locale: 'fr' },
          { name: OTHER_NAME, email: REFUSED, locale: 'en' },
        ],
      },
      requirements: [{ kind: 'mid_term_note', count: 1, due: { date: '2027-07-15' } }],
    }),
    201,
  );
  const obligationId = agreement.obligations[0]!.id;
  // a contract violation and a bad CSV that name the contact, for the error paths
  expect((await sys.call('POST', '/v1/agreements', token, { externalRef: 'X', contacts: [EMAIL, NAME] })).status).toBe(
    422,
  );
  const grantee = (
    await json<{ token: string }>(
      await sys.call('POST', '/v1/api-keys', ADMIN, {
        role: 'grantee',
        granteeId: agreement.grantee.id,
        label: 'organisme',
      }),
      201,
    )
  ).token;
  await eventually(async () => {
    const page = await json<{ data: { id: string }[] }>(await sys.call('GET', '/v1/me/obligations', grantee), 200);
    return page.data.some((o) => o.id === obligationId);
  }, 'obligation visible to the grantee');

  // preferences by email in the path (it was logged in clear), and an unknown route with it
  await eventually(
    async () =>
      (await sys.call('PUT', `/v1/me/contacts/${encodeURIComponent(EMAIL)}/preferences`, grantee, { locale: 'en' }))
        .status === 200,
    'preferences saved once the notifier knows the contact',
  );
  expect((await sys.call('GET', `/v1/me/contacts/${EMAIL}`, grantee)).status).toBe(404);
  // an email in a query string: searched for (the dashboard's free text), and in a parameter no route has
  expect((await sys.call('GET', `/v1/obligations?q=${encodeURIComponent(EMAIL)}`, token)).status).toBe(200);
  expect((await sys.call('GET', `/v1/obligations?email=${encodeURIComponent(EMAIL)}`, token)).status).toBe(422);
  expect((await sys.call('GET', '/v1/obligations', `${token}x`)).status).toBe(401);

  // reminders: one delivered, one refused by the SMTP server (a failing address)
  const job = await json<{ id: string }>(
    await sys.call('POST', '/v1/jobs/evaluate', ADMIN, { asOf: '2027-06-15' }),
    202,
  );
  await waitJob(job.id);
  await eventually(async () => sys.sink.messages.find((m) => m.envelopeTo.includes(EMAIL)), 'reminder email', 30_000);

  // evidence verified through the connector, then a sync
  const note = sys.simulator.createNote({
    title: 'Bilan du contrôle',
    carnets: [carnet],
    visibility: 'public',
    publishedAt: '2027-06-20',
    body: `Référence : ${agreement.referenceCode}. Merci à ${NAME} (${EMAIL}).`,
  });
  const verdict = await json<{ accepted: boolean }>(
    await sys.call('POST', `/v1/obligations/${obligationId}/evidence`, grantee, {
      url: sys.simulator.noteUrl(note.id),
    }),
    200,
  );
  expect(verdict.accepted).toBe(true);
  const sync = await json<{ id: string }>(await sys.call('POST', '/v1/jobs/praxis-sync', ADMIN), 202);
  await waitJob(sync.id);

  // reports in every format (the failing contact included), the calendar, the audit trail
  await eventually(async () => {
    const r = await sys.call('GET', '/v1/reports/compliance?format=json&asOf=2027-08-01', token);
    return r.status === 200 && (await r.text()).includes('fulfilled');
  }, 'report shows the fulfilment');
  for (const format of ['csv', 'html', 'pdf'])
    expect((await sys.call('GET', `/v1/reports/compliance?format=${format}&asOf=2027-08-01`, token)).status).toBe(200);
  expect((await sys.call('GET', '/v1/me/calendar.ics', grantee)).status).toBe(200);
  expect((await sys.call('GET', `/v1/audit/verify?funderId=${funder.id}`, auditor)).status).toBe(200);
  expect((await sys.call('GET', `/v1/audit/events?funderId=${funder.id}`, auditor)).status).toBe(200);
  // the key's creation replayed (its record must not hold the token either)
  expect(
    (
      await sys.call(
        'POST',
        '/v1/api-keys',
        ADMIN,
        { role: 'funder', funderId: funder.id, label: 'système' },
        { 'idempotency-key': 'logcheck-key' },
      )
    ).status,
  ).toBe(201);
  // the pages: the contact asks for a sign-in link (its email in a form body), the web service
  // looks it up and emails it; a page path with a token (the reminder's link) is opened
  const form = await fetch(`${sys.base}/sign-in`);
  const csrfCookie = /pc_csrf=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const asked = await fetch(`${sys.base}/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `pc_csrf=${csrfCookie}` },
    body: new URLSearchParams({ _csrf: csrf, email: EMAIL }).toString(),
    redirect: 'manual',
  });
  expect(asked.status).toBe(303);
  await eventually(
    async () => sys.sink.messages.some((m) => m.envelopeTo.includes(EMAIL) && m.parsed.subject?.includes('connexion')),
    'sign-in email',
  );
  await new Promise((r) => setTimeout(r, 500)); // let the last consumers log what they did

  // every service took part, and was heard
  const services = new Set(lines.map((l) => l.service));
  expect([...services].sort()).toEqual(
    ['agreements', 'edge', 'notifier', 'obligations', 'praxis-connector', 'reports', 'scheduler', 'web'].sort(),
  );
  const heard = (service: string) => lines.filter((l) => l.service === service && l.line.includes('"req":')).length;
  for (const s of services) expect({ s, requests: heard(s) > 0 }).toEqual({ s, requests: true });

  const secretOf = (t: string) => t.split('_').at(-1)!;
  const forbidden = [
    EMAIL,
    encodeURIComponent(EMAIL),
    REFUSED,
    NAME,
    'Logcheck-Ouellet',
    OTHER_NAME,
    'Refusé-Logcheck',
    token,
    secretOf(token),
    secretOf(grantee),
    secretOf(auditor),
  ].map((s) => s.toLowerCase());
  const leaks = lines.filter(({ line }) => forbidden.some((f) => line.toLowerCase().includes(f)));
  expect(leaks.map((l) => `${l.service}: ${l.line.slice(0, 300)}`)).toEqual([]);
  expect(lines.length).toBeGreaterThan(50);
}, 240_000);
