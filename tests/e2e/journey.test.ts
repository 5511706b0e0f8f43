import { eventually } from '@pc/testkit';
import { ADMIN, json, startSystem, type System } from './system';
import { apiKey, createProgramme, registerFunder } from './scenario';

// One grant's life through the public API only: intake → obligation → evaluation → French reminder
// at a real SMTP server → note published on (simulated) Praxis and declared → fulfilled → report and
// audit → the note made private → withdrawn at the next sync. And another funder sees none of it.
let sys: System;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => {
  await sys?.stop();
});

async function waitJob(id: string): Promise<{ status: string; counts: Record<string, number> }> {
  return eventually(
    async () => {
      const job = await json<{ status: string; counts: Record<string, number> }>(
        await sys.call('GET', `/v1/jobs/${id}`, ADMIN),
        200,
      );
      if (job.status === 'failed') throw new Error(`job failed: ${JSON.stringify(job)}`);
      return job.status === 'succeeded' ? job : null;
    },
    `job ${id} to succeed`,
    30_000,
    200,
  );
}

it('follows one agreement from intake to withdrawn evidence, tenant-isolated', async () => {
  const funderA = await registerFunder(sys, {
    name: 'Fondation Chagnon',
    reportRecipients: ['suivi@fondation.example'],
  });
  const funderB = await registerFunder(sys, { name: 'Ministère', kind: 'ministry' });
  const keyA = await apiKey(sys, { role: 'funder', funderId: funderA.id, label: 'A' });
  const keyB = await apiKey(sys, { role: 'funder', funderId: funderB.id, label: 'B' });
  const auditor = await apiKey(sys, { role: 'auditor', funderIds: [funderA.id], label: 'vérif' });

  const carnet = 'carnet-mobilisation';
  await createProgramme(sys, keyA, {
    code: 'MOBILISATION',
    name: 'Mobilisation des savoirs',
    praxisFeeds: [`${sys.simulator.baseUrl}/carnets/${carnet}/rss.xml`],
  });

  const agreement = await json<{
    id: string;
    referenceCode: string;
    grantee: { id: string };
    obligations: { id: string; dueDate: string }[];
  }>(
    await sys.call('POST', '/v1/agreements', keyA, {
      externalRef: 'FQ-2027-0042',
      programmeCode: 'MOBILISATION',
      title: 'Cuisine collective de quartier',
      amount: { value: 2_500_000, currency: 'CAD' },
      startDate: '2027-01-01',
      endDate: '2027-12-31',
      signedAt: '2026-12-10',
      grantee: {
        name: 'Cuisines solidaires de Limoilou',
        neq: '1234567890',
        contacts: [{ name: 'Alex Tremblay', email: 'alex@example.org', locale: 'fr' }],
      },
      requirements: [{ kind: 'mid_term_note', count: 1, due: { date: '2027-07-15' } }],
    }),
    201,
  );
  expect(agreement.referenceCode).toMatch(/^PX-/);
  const obligationId = agreement.obligations[0]!.id;
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

  // The grantee sees its obligation once the obligations service consumed the agreement.
  await eventually(async () => {
    const page = await json<{ data: { id: string }[] }>(await sys.call('GET', '/v1/me/obligations', grantee), 200);
    return page.data.some((o) => o.id === obligationId);
  }, 'obligation visible to the grantee');

  // Evaluation 30 days before the due date: the first stage, in French, at the SMTP server.
  const job = await json<{ id: string }>(
    await sys.call('POST', '/v1/jobs/evaluate', ADMIN, { asOf: '2027-06-15' }),
    202,
  );
  await waitJob(job.id);
  const mail = await eventually(
    async () => sys.sink.messages.find((m) => m.envelopeTo.includes('alex@example.org')),
    'reminder email',
    30_000,
  );
  expect(mail.parsed.text).toContain(agreement.referenceCode);
  expect(mail.parsed.text).toContain('15 juillet 2027');
  expect(mail.parsed.headers.get('content-language')).toBe('fr');
  const again = await json<{ id: string }>(
    await sys.call('POST', '/v1/jobs/evaluate', ADMIN, { asOf: '2027-06-15' }),
    202,
  );
  await waitJob(again.id);
  await new Promise((r) => setTimeout(r, 1000));
  expect(sys.sink.messages.filter((m) => m.envelopeTo.includes('alex@example.org'))).toHaveLength(1); // never twice

  // Another host is refused before any fetch.
  const foreign = await json<{ accepted: boolean; checks: { name: string; passed: boolean }[] }>(
    await sys.call('POST', `/v1/obligations/${obligationId}/evidence`, grantee, { url: 'https://example.com/n/abc/' }),
    200,
  );
  expect(foreign.accepted).toBe(false);
  expect(foreign.checks[0]).toMatchObject({ name: 'host_allowed', passed: false });

  // The grantee publishes a public note mentioning the reference code, then declares its URL.
  const note = sys.simulator.createNote({
    title: 'Ce que nous avons appris en cuisine collective',
    carnets: [carnet],
    visibility: 'public',
    publishedAt: '2027-06-20',
    body: `Bilan à mi-parcours. Référence de l'entente : ${agreement.referenceCode.toLowerCase().replace(/-/g, ' ')}.`,
  });
  const verdict = await json<{
    accepted: boolean;
    checks: { name: string; passed: boolean }[];
    obligation: { status: string };
  }>(
    await sys.call('POST', `/v1/obligations/${obligationId}/evidence`, grantee, {
      url: sys.simulator.noteUrl(note.id),
    }),
    200,
  );
  expect(verdict.checks.map((c) => [c.name, c.passed])).toEqual([
    ['host_allowed', true],
    ['publicly_accessible', true],
    ['mentions_reference', true],
    ['published_in_window', true],
    ['not_already_used', true],
  ]);
  expect(verdict.accepted).toBe(true);
  expect(verdict.obligation.status).toBe('fulfilled');

  // The funder's report and the auditor's trail reflect it.
  await eventually(async () => {
    const report = await json<{ counts?: Record<string, number> }>(
      await sys.call('GET', '/v1/reports/compliance?format=json&asOf=2027-08-01', keyA),
      200,
    );
    return JSON.stringify(report).includes('fulfilled') && report;
  }, 'report shows the fulfilment');
  const verify = await json<{ intact: boolean; events: number }>(
    await sys.call('GET', `/v1/audit/verify?funderId=${funderA.id}`, auditor),
    200,
  );
  expect(verify.intact).toBe(true);
  expect(verify.events).toBeGreaterThan(3);

  // Another funder sees none of it.
  expect((await sys.call('GET', `/v1/agreements/${agreement.id}`, keyB)).status).toBe(404);
  expect((await sys.call('GET', `/v1/obligations/${obligationId}`, keyB)).status).toBe(404);
  expect((await sys.call('POST', `/v1/obligations/${obligationId}/waiver`, keyB, { reason: 'x' })).status).toBe(404);
  expect((await sys.call('GET', `/v1/audit/verify?funderId=${funderA.id}`, keyB)).status).toBe(404);
  expect((await sys.call('GET', '/v1/reports/compliance?programme=MOBILISATION', keyB)).status).toBe(404);

  // The note becomes private: the next Praxis sync withdraws the evidence.
  await fetch(`${sys.simulator.baseUrl}/_admin/notes/${note.id}/hide`, { method: 'POST' });
  const sync = await json<{ id: string }>(await sys.call('POST', '/v1/jobs/praxis-sync', ADMIN), 202);
  await waitJob(sync.id);
  await eventually(
    async () => {
      const o = await json<{ status: string }>(await sys.call('GET', `/v1/obligations/${obligationId}`, keyA), 200);
      return o.status === 'evidence_withdrawn';
    },
    'evidence withdrawn after the note went private',
    30_000,
  );
}, 180_000);
