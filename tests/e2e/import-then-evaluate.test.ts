import pg from 'pg';
import { eventually } from '@pc/testkit';
import { ADMIN, json, startSystem, type System } from './system';

// The test: a CSV import of N agreements, then an evaluation requested at once. The job
// must wait until the obligations service has consumed the import (status "waiting", saying what
// for), never report succeeded over partial data, and every due contact must get exactly one digest
// at the SMTP sink. N defaults to 5,000; CATCH_UP_E2E_AGREEMENTS sets a smaller one to iterate.
const N = Number(process.env.CATCH_UP_E2E_AGREEMENTS ?? 5000);
// Consumers of agreement snapshots run at ~20/s on a loaded 2-core machine: minutes for 5,000.
jest.setTimeout(60 * 60_000);

const AS_OF = '2027-06-15';
const HEADER =
  'external_ref,programme_code,title,amount_cents,currency,start_date,end_date,signed_at,grantee_name,grantee_neq,contact_name,contact_email,contact_locale,requirement_kind,requirement_count,due_anchor,due_offset,due_date';

/**
 * Agreement i has one obligation and the contact of pair i/2 (two agreements per contact, so one
 * digest covers both). Every fourth contact's pair is due next year (no stage applies as of AS_OF);
 * the others are due on 1 July, so the 30-days-before stage applies.
 */
function importFile(n: number): {
  csv: string;
  dueContacts: Set<string>;
  dueObligations: number;
  contacts: Set<string>;
} {
  const lines = [HEADER];
  const dueContacts = new Set<string>();
  const contacts = new Set<string>();
  let dueObligations = 0;
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / 2);
    const email = `contact${c}@example.org`;
    const due = c % 4 !== 3;
    contacts.add(email);
    if (due) {
      dueContacts.add(email);
      dueObligations += 1;
    }
    lines.push(
      [
        `IMP-${String(i).padStart(6, '0')}`,
        'MOBILISATION',
        `Projet ${i}`,
        '1000000',
        'CAD',
        '2027-01-01',
        '2027-12-31',
        '2026-12-10',
        `Organisme ${i}`,
        '',
        `Contact ${c}`,
        email,
        'fr',
        'mid_term_note',
        '1',
        '',
        '',
        due ? '2027-07-01' : '2028-06-30',
      ].join(','),
    );
  }
  return { csv: lines.join('\n') + '\n', dueContacts, dueObligations, contacts };
}

let sys: System;
let db: pg.Client;
beforeAll(async () => {
  sys = await startSystem();
  db = new pg.Client({ connectionString: sys.databaseUrl });
  await db.connect();
}, 180_000);
afterAll(async () => {
  await db?.end();
  await sys?.stop();
});

interface JobView {
  status: string;
  counts: Record<string, number>;
  error: string | null;
  waitingFor?: Array<{ service: string; queue: string; behind: number | null }>;
}

it(`imports ${N} agreements, evaluates at once: the job waits, then every due contact gets exactly one digest`, async () => {
  const funder = await json<{ id: string }>(
    await sys.call('POST', '/v1/funders', ADMIN, { name: 'Fondation Lucie', kind: 'foundation' }),
    201,
  );
  const key = (
    await json<{ token: string }>(
      await sys.call('POST', '/v1/api-keys', ADMIN, { role: 'funder', funderId: funder.id, label: 'import' }),
      201,
    )
  ).token;
  await eventually(
    async () =>
      (await sys.call('POST', '/v1/programmes', key, { code: 'MOBILISATION', name: 'Mobilisation' })).status === 201,
    'programme created once the agreements service knows the funder',
    60_000,
  );

  const file = importFile(N);
  const t0 = Date.now();
  const imported = await json<{ created: number }>(
    await sys.call('POST', '/v1/agreements/import', key, file.csv, { 'content-type': 'text/csv' }),
    201,
  );
  expect(imported.created).toBe(N);
  const job = await json<{ id: string }>(await sys.call('POST', '/v1/jobs/evaluate', ADMIN, { asOf: AS_OF }), 202);

  // Every status the job shows until it is done.
  const seen: JobView[] = [];
  const done = await eventually(
    async () => {
      const view = await json<JobView>(await sys.call('GET', `/v1/jobs/${job.id}`, ADMIN), 200);
      if (seen.at(-1)?.status !== view.status || view.status === 'waiting') seen.push(view);
      return view.status === 'succeeded' || view.status === 'failed' ? view : null;
    },
    `evaluation ${job.id} done`,
    50 * 60_000,
    250,
  );
  const tJob = Date.now();
  const statuses = seen.map((v) => v.status).filter((s, i, a) => a[i - 1] !== s);
  expect(done.error).toBeNull();
  expect(statuses.at(-1)).toBe('succeeded');
  expect(statuses).toContain('waiting');
  expect(statuses.indexOf('waiting')).toBeLessThan(statuses.indexOf('succeeded'));
  const firstWait = seen.find((v) => v.status === 'waiting')!;
  expect(firstWait.waitingFor).toEqual(
    expect.arrayContaining([expect.objectContaining({ service: 'agreements', queue: 'obligations.agreements' })]),
  );
  expect(firstWait.waitingFor!.find((w) => w.queue === 'obligations.agreements')!.behind).toBeGreaterThan(0);
  // It ran on the whole import: every obligation evaluated, every due one reminded.
  expect(done.counts.obligations).toBe(N);
  expect(done.counts.reminders).toBe(file.dueObligations);

  // Every digest of the run sent, then counted at the sink: one per due contact, none to the others.
  await eventually(
    async () => {
      const { rows } = await db.query<{ sent: number; other: number }>(
        `SELECT count(*) FILTER (WHERE state = 'sent')::int AS sent, count(*) FILTER (WHERE state <> 'sent')::int AS other
         FROM notifier.digest WHERE run_id = $1`,
        [job.id],
      );
      return rows[0]!.sent === file.dueContacts.size && rows[0]!.other === 0;
    },
    `${file.dueContacts.size} digests sent`,
    20 * 60_000,
    500,
  );
  await eventually(
    async () => sys.sink.messages.length >= file.dueContacts.size,
    'every digest received by the sink',
    60_000,
  );
  if (process.env.CATCH_UP_E2E_VERBOSE)
    console.info(
      `${N} agreements: job done ${((tJob - t0) / 1000).toFixed(0)} s after the import began, last digest at ${((Date.now() - t0) / 1000).toFixed(0)} s; ${seen.filter((v) => v.status === 'waiting').length} waiting views, first ${JSON.stringify(seen.find((v) => v.status === 'waiting')?.waitingFor)}`,
    );
  const perContact = new Map<string, number>();
  for (const m of sys.sink.messages) for (const to of m.envelopeTo) perContact.set(to, (perContact.get(to) ?? 0) + 1);
  const wrong = [...file.contacts].filter((c) => (perContact.get(c) ?? 0) !== (file.dueContacts.has(c) ? 1 : 0));
  expect(wrong).toEqual([]);
  expect(sys.sink.messages).toHaveLength(file.dueContacts.size);
});
