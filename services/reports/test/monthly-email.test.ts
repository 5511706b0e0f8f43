import pg from 'pg';
import { eventually, startSmtpSink, tapEvents, type EventTap, type SmtpSink, type TestEnv } from '@pc/testkit';
import type { RunningService } from '../src/main';
import { envelope, publish, startService, stopService, World, actor, uuid } from './helpers';

// jest.config.js sets testTimeout inside `projects`, where Jest 30 ignores it (global option)
jest.setTimeout(60_000);

let t: TestEnv;
let svc: RunningService;
let sink: SmtpSink;
let db: pg.Client;
let tap: EventTap<'job.finished.v1'>;
/** what the scheduler would see */
const finished = () => tap.messages.map((m) => m.data);
const A = new World();
const B = new World();

beforeAll(async () => {
  sink = await startSmtpSink();
  ({ t, svc, db } = await startService((e) => ({
    ...e.env,
    SMTP_URL: sink.url,
    MAIL_FROM: 'Rapports <rapports@praxis.example>',
  })));
  tap = await tapEvents(t.amqpUrl, 'job.finished.v1');

  A.funder('Fondation Lucie', 'fr', ['rapports@fondation.example', 'dg@fondation.example']);
  const p = A.programme('MOB');
  const a = A.agreement(p, 'A-1', { title: '=1+1', grantee: { name: 'Cuisines' }, dues: ['2026-03-31', '2026-09-30'] });
  A.transition(a, a.obligationIds[0]!, '2026-03-31', null, 'overdue');
  B.funder('No recipients', 'en', []);
  await publish(t.amqpUrl, [...A.events, ...B.events]);
  await eventually(
    async () => (await db.query('SELECT 1 FROM reports.obligation WHERE status IS NOT NULL')).rowCount,
    'read model',
  );
});
afterAll(async () => {
  await stopService({ t, svc, db }, tap, sink);
});

describe('monthly report email (job.requested kind reports)', () => {
  const jobId = uuid();

  it('emails each funder’s recipients the HTML report with the CSV attached, and reports the job running then succeeded', async () => {
    await publish(t.amqpUrl, [envelope('job.requested.v1', { jobId, kind: 'reports', asOf: '2026-10-01', actor })]);
    await eventually(
      async () => finished().find((f) => f.jobId === jobId && f.status === 'succeeded'),
      'job succeeded',
    );
    const states = finished()
      .filter((f) => f.jobId === jobId)
      .map((f) => f.status);
    expect(states).toEqual(['running', 'succeeded']);
    expect(finished().find((f) => f.status === 'succeeded')!.counts).toMatchObject({
      funders: 1,
      emailsSent: 1,
      recipients: 2,
      failed: 0,
    });
    expect(sink.messages).toHaveLength(1);
    const mail = sink.messages[0]!;
    expect(mail.envelopeTo.sort()).toEqual(['dg@fondation.example', 'rapports@fondation.example']);
    expect(mail.parsed.subject).toBe('Rapport de conformité mensuel — Fondation Lucie — 2026-10-01');
    expect(mail.parsed.html).toContain('<html lang="fr">');
    expect(mail.parsed.html).toContain('0,0 %');
    const csv = mail.parsed.attachments[0]!;
    expect(csv.filename).toBe('rapport-conformite-2026-10-01.csv');
    expect([...csv.content.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.content.toString('utf8')).toContain("'=1+1");
    // header, two obligations, then the audit chain head
    const csvRows = csv.content.toString('utf8').trim().split('\r\n');
    expect(csvRows).toHaveLength(4);

    // anchoring: the funder's chain head, as the database holds it, leaves it in every part of the email
    const { seq, hash } = (
      await db.query('SELECT seq::int, hash FROM reports.audit_head WHERE funder_id = $1', [A.funderId])
    ).rows[0] as { seq: number; hash: string };
    expect(seq).toBe(A.events.length);
    expect(mail.parsed.text).toMatch(
      new RegExp(`Tête de la chaîne d'audit : seq ${seq} · hash ${hash} · lue le \\d{4}-`),
    );
    expect(mail.parsed.text).toContain('POST /v1/audit/verify');
    expect(mail.parsed.html).toContain(`<code>seq ${seq} · hash ${hash} · lue le `);
    expect(csvRows.at(-1)).toMatch(new RegExp(`^Tête de la chaîne d'audit;${seq};${hash};\\d{4}-`));
  });

  it('does not email twice when the same job is requested again, and skips other job kinds', async () => {
    await publish(t.amqpUrl, [
      envelope('job.requested.v1', { jobId, kind: 'reports', asOf: '2026-10-01', actor }),
      envelope('job.requested.v1', { jobId: uuid(), kind: 'evaluate', asOf: null, actor }),
    ]);
    await eventually(
      async () =>
        (await db.query('SELECT count(*)::int AS n FROM reports.inbox WHERE consumer = $1', ['reports.jobs'])).rows[0]
          .n === 3,
      'jobs consumed',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages).toHaveLength(1);
    expect(finished().filter((f) => f.kind !== 'reports')).toEqual([]);
    // job.finished ids are deterministic per (job, status): the re-run re-emits nothing new
    expect(
      finished()
        .filter((f) => f.jobId === jobId)
        .map((f) => f.status),
    ).toEqual(['running', 'succeeded']);
    expect(
      (await db.query('SELECT count(*)::int AS n FROM reports.report_dispatch WHERE job_id = $1', [jobId])).rows[0].n,
    ).toBe(1);
  });

  it('counts recipients the SMTP server refused while still delivering to the others', async () => {
    sink.rejectPermanently.add('dg@fondation.example');
    const job = uuid();
    await publish(t.amqpUrl, [
      envelope('job.requested.v1', { jobId: job, kind: 'reports', asOf: '2026-11-01', actor }),
    ]);
    const f = await eventually(
      async () => finished().find((x) => x.jobId === job && x.status === 'succeeded'),
      'job succeeded',
    );
    expect(f.counts).toMatchObject({ emailsSent: 1, recipients: 1, rejectedRecipients: 1 });
    expect(sink.messages.at(-1)!.envelopeTo).toEqual(['rapports@fondation.example']);
  });

  it('reports the job failed (with counts) when the SMTP server refuses', async () => {
    sink.rejectPermanently.add('rapports@fondation.example');
    sink.rejectPermanently.add('dg@fondation.example');
    const failing = uuid();
    await publish(t.amqpUrl, [envelope('job.requested.v1', { jobId: failing, kind: 'reports', asOf: null, actor })]);
    const f = await eventually(
      async () => finished().find((x) => x.jobId === failing && x.status === 'failed'),
      'job failed',
    );
    expect(f.counts).toMatchObject({ funders: 1, emailsSent: 0, failed: 1 });
    expect(f.error).not.toContain('fondation.example');
  });
});
