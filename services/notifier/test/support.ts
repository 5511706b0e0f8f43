import crypto from 'node:crypto';
import pg from 'pg';
import type { EventData } from '@pc/contracts';
import {
  eventually,
  ownerOfNothing,
  publishEvents,
  startSmtpSink,
  testEnv,
  type SmtpSink,
  type TestEnv,
  type TestEvent,
} from '@pc/testkit';
import { loadNotifierConfig } from '../src/config';
import { startNotifier, type NotifierOptions, type RunningService } from '../src/main';

export const ids = (seed: string): string => {
  const x = crypto.createHash('sha256').update(seed).digest('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-8${x.slice(17, 20)}-${x.slice(20, 32)}`;
};
export const actor = { kind: 'system' as const, id: 'test' };

/** Publishes events on the bus as another service's relay would (persistent, confirmed, payloads checked). */
export async function publish(amqpUrl: string, events: readonly TestEvent[]): Promise<void> {
  await publishEvents(amqpUrl, events);
}

export interface World {
  t: TestEnv;
  sink: SmtpSink;
  svc: RunningService;
  db: pg.Pool;
  env: NodeJS.ProcessEnv;
  restart(opts?: NotifierOptions, extra?: NodeJS.ProcessEnv): Promise<RunningService>;
  close(): Promise<void>;
}

export const fastEnv = {
  REMINDER_SWEEP_MS: '100',
  REMINDER_RETRY_BASE_MS: '200',
  REMINDER_RETRY_MAX_MS: '1000',
  REMINDER_LEASE_MS: '60000',
  PUBLIC_BASE_URL: 'https://conformite.example.org',
};

export async function world(extra: NodeJS.ProcessEnv = {}, opts: NotifierOptions = {}): Promise<World> {
  const sink = await startSmtpSink();
  const t = await testEnv({ SMTP_URL: sink.url, ...fastEnv, ...extra });
  let svc = await startNotifier(loadNotifierConfig(t.env), undefined, { owner: ownerOfNothing, ...opts });
  const db = new pg.Pool({ connectionString: t.databaseUrl, max: 2, options: '-c search_path=notifier' });
  const w: World = {
    t,
    sink,
    svc,
    db,
    env: t.env,
    async restart(o = {}, more = {}) {
      svc = await startNotifier(loadNotifierConfig({ ...t.env, ...more }), undefined, { owner: ownerOfNothing, ...o });
      w.svc = svc;
      return svc;
    },
    async close() {
      await w.svc.stop().catch(() => undefined);
      await db.end();
      await sink.close();
      t.cleanup();
    },
  };
  return w;
}

// ---- event builders -------------------------------------------------------------------------------

export function funder(
  name: string,
  opts: { locale?: 'fr' | 'en'; reportRecipients?: string[] } = {},
): EventData<'funder.registered.v1'> {
  return {
    funderId: ids(`funder:${name}`),
    name,
    kind: 'foundation',
    locale: opts.locale ?? 'fr',
    reportRecipients: opts.reportRecipients ?? [],
    actor,
  };
}
export function programme(
  f: EventData<'funder.registered.v1'>,
  code: string,
  name: string,
): EventData<'programme.registered.v1'> {
  return {
    programmeId: ids(`programme:${code}`),
    funderId: f.funderId,
    code,
    name,
    sector: null,
    praxisFeeds: [],
    reminderStages: [
      { offsetDays: -30, escalate: false },
      { offsetDays: 14, escalate: true },
    ],
    actor,
  };
}

export interface Contact {
  name: string;
  email: string;
  locale: 'fr' | 'en';
}
export interface AgreementFx {
  id: string;
  funderId: string;
  programmeId: string;
  programmeCode: string;
  title: string;
  externalRef: string;
  referenceCode: string;
  grantee: { id: string; name: string };
  contacts: Contact[];
}
export function agreement(
  p: EventData<'programme.registered.v1'>,
  ref: string,
  grantee: { id: string; name: string },
  contacts: Contact[],
  title = `Projet ${ref}`,
): AgreementFx {
  return {
    id: ids(`agreement:${ref}`),
    funderId: p.funderId,
    programmeId: p.programmeId,
    programmeCode: p.code,
    title,
    externalRef: ref,
    referenceCode: `PX-${crypto.createHash('sha1').update(ref).digest('hex').slice(0, 4).toUpperCase()}-${crypto
      .createHash('sha1')
      .update(ref + 'x')
      .digest('hex')
      .slice(0, 4)
      .toUpperCase()}`,
    grantee,
    contacts,
  };
}
export function agreementRegistered(a: AgreementFx, revision = 1): EventData<'agreement.registered.v1'> {
  return {
    agreementId: a.id,
    funderId: a.funderId,
    programmeId: a.programmeId,
    programmeCode: a.programmeCode,
    externalRef: a.externalRef,
    referenceCode: a.referenceCode,
    title: a.title,
    startDate: '2026-01-01',
    endDate: '2027-12-31',
    signedAt: null,
    grantee: { ...a.grantee, neq: null },
    contacts: a.contacts,
    obligations: [],
    revision,
    actor,
  };
}

/** What a reminder.due event says beyond its agreement (the obligation's first learning note at stage d-30 by default). */
export interface DueOptions {
  seq?: number;
  kind?: 'learning_note' | 'mid_term_note' | 'final_note';
  dueDate: string;
  asOf: string;
  runId: string;
  stage?: string;
  escalate?: boolean;
  contacts?: Contact[];
}
export function due(a: AgreementFx, o: DueOptions): EventData<'reminder.due.v1'> {
  const obligationId = ids(`obligation:${a.id}:${o.kind ?? 'learning_note'}:${o.seq ?? 1}`);
  const stageKey = o.stage ?? 'd-30';
  return {
    reminderId: ids(`reminder:${obligationId}:${stageKey}`),
    runId: o.runId,
    asOf: o.asOf,
    stage: { key: stageKey, offsetDays: -30, escalate: o.escalate ?? false },
    skippedStages: [],
    obligation: {
      id: obligationId,
      kind: o.kind ?? 'learning_note',
      sequence: o.seq ?? 1,
      dueDate: o.dueDate,
      status: 'due_soon',
    },
    agreement: {
      id: a.id,
      funderId: a.funderId,
      programmeId: a.programmeId,
      programmeCode: a.programmeCode,
      title: a.title,
      externalRef: a.externalRef,
      referenceCode: a.referenceCode,
    },
    grantee: a.grantee,
    contacts: o.contacts ?? a.contacts,
  };
}

export const dueEvents = (list: EventData<'reminder.due.v1'>[]) =>
  list.map((data) => ({ type: 'reminder.due.v1' as const, data }));
export const runClosed = (runId: string, asOf: string, reminders: number) => ({
  type: 'reminder.run_closed.v1' as const,
  data: { runId, asOf, reminders },
});

/** One whole run as the scheduler publishes it: its reminders, then run_closed counting them. */
export async function publishRun(
  w: World,
  runId: string,
  asOf: string,
  reminders: EventData<'reminder.due.v1'>[],
): Promise<void> {
  await publish(w.t.amqpUrl, [...dueEvents(reminders), runClosed(runId, asOf, reminders.length)]);
}

/** A run of one reminder for the agreement (a new run unless `runId` is given); returns the reminder published. */
export async function publishReminder(
  w: World,
  a: AgreementFx,
  o: Omit<DueOptions, 'runId'> & { runId?: string },
): Promise<EventData<'reminder.due.v1'>> {
  const reminder = due(a, { ...o, runId: o.runId ?? crypto.randomUUID() });
  await publishRun(w, reminder.runId, o.asOf, [reminder]);
  return reminder;
}

/** Registers funders and their programmes, and waits until the notifier's directory holds every programme. */
export async function loadDirectory(
  w: World,
  funders: EventData<'funder.registered.v1'>[],
  programmes: EventData<'programme.registered.v1'>[],
): Promise<void> {
  await publish(w.t.amqpUrl, [
    ...funders.map((data) => ({ type: 'funder.registered.v1' as const, data })),
    ...programmes.map((data) => ({ type: 'programme.registered.v1' as const, data })),
  ]);
  await eventually(
    async () => (await count(w.db, 'SELECT count(*) AS n FROM programme')) === programmes.length,
    'directory loaded',
  );
}

export const count = async (db: pg.Pool, sql: string, params: unknown[] = []): Promise<number> =>
  Number((await db.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
