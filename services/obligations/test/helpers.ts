/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies and event payloads are asserted with toMatchObject */
import crypto from 'node:crypto';
import pg from 'pg';
import { parseEventData, type EventData, type EventType } from '@pc/contracts';
import { createLogger, type Principal } from '@pc/service-kit';
import {
  asPrincipal,
  eventPublisher,
  eventually,
  ownerOfNothing,
  testEnv,
  type EventPublisher,
  type TestEnv,
} from '@pc/testkit';
import { startObligations, type RunningService } from '../src/main';
import { loadObligationsConfig } from '../src/config';
import type { Clock, NoteVerifier } from '../src/domain/ports';

export const uuid = (): string => crypto.randomUUID();

/** A clock a test moves by hand. */
export function mutableClock(today: string): Clock & { set(day: string): void } {
  let day = today;
  const started = Date.now();
  // 15:00 UTC on the chosen day, plus the real time elapsed: successive changes keep their order.
  return {
    today: () => day,
    now: () => new Date(Date.parse(`${day}T15:00:00.000Z`) + (Date.now() - started)),
    set: (d: string) => {
      day = d;
    },
  };
}

export interface Harness {
  t: TestEnv;
  svc: RunningService;
  db: pg.Client;
  bus: EventPublisher;
  base: string;
  clock: ReturnType<typeof mutableClock>;
  /** publishes an event on the test vhost and waits until this service's inbox has it */
  publish<T extends EventType>(type: T, data: EventData<T>, opts?: { id?: string; queue?: string }): Promise<string>;
  call(
    method: string,
    path: string,
    who: Partial<Principal> & Pick<Principal, 'role'>,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  outbox(type: string, where?: string, params?: unknown[]): Promise<Array<{ id: string; subject: string; data: any }>>;
  /** status and due date of one obligation, as stored */
  statusOf(id: string): Promise<{ status: string; due_date: string }>;
  /** `SELECT count(*) FROM <sql>` */
  count(sql: string, params?: unknown[]): Promise<number>;
  /** every event this service wrote satisfies the catalog (set-based SQL builds some payloads by hand); answers how many */
  expectValidOutbox(): Promise<number>;
  close(): Promise<void>;
}

const queueOf: Partial<Record<EventType, string>> = {
  'funder.registered.v1': 'obligations.funders',
  'programme.registered.v1': 'obligations.agreements',
  'agreement.registered.v1': 'obligations.agreements',
  'agreement.amended.v1': 'obligations.agreements',
  'agreement.terminated.v1': 'obligations.agreements',
  'job.requested.v1': 'obligations.jobs',
  'praxis.note.verified.v1': 'obligations.evidence',
  'praxis.note.withdrawn.v1': 'obligations.evidence',
  'reminder.sent.v1': 'obligations.reminders',
  'reminder.failed.v1': 'obligations.reminders',
};

export async function startHarness(
  opts: { today?: string; verifier?: NoteVerifier; env?: NodeJS.ProcessEnv } = {},
): Promise<Harness> {
  const t = await testEnv(opts.env ?? {});
  const clock = mutableClock(opts.today ?? '2027-06-01');
  const logger = createLogger('obligations-test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const svc = await startObligations(loadObligationsConfig(t.env), logger, {
    clock,
    owner: ownerOfNothing,
    ...(opts.verifier ? { verifier: opts.verifier } : {}),
  });
  const db = new pg.Client({ connectionString: t.databaseUrl, options: '-c search_path=obligations' });
  await db.connect();
  const bus = await eventPublisher(t.amqpUrl);
  const base = `http://127.0.0.1:${svc.port}`;
  return {
    t,
    svc,
    db,
    bus,
    base,
    clock,
    async publish(type, data, o = {}) {
      const id = await bus.publishEvent(type, data, o.id ? { id: o.id } : {});
      const queue = o.queue ?? queueOf[type]!;
      await eventually(
        async () =>
          (await db.query('SELECT 1 FROM inbox WHERE consumer = $1 AND message_id = $2', [queue, id])).rowCount,
        `${type} ${id} handled`,
      );
      return id;
    },
    call(method, path, who, body, headers = {}) {
      return fetch(base + path, {
        method,
        headers: {
          ...asPrincipal(who),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    },
    async outbox(type, where = 'true', params = []) {
      return (
        await db.query(
          `SELECT id, subject, data FROM outbox WHERE type = '${type}' AND ${where} ORDER BY created_at, id`,
          params,
        )
      ).rows;
    },
    async statusOf(id) {
      const { rows } = await db.query(
        `SELECT status, to_char(due_date, 'YYYY-MM-DD') AS due_date FROM obligation WHERE id = $1`,
        [id],
      );
      return rows[0];
    },
    async count(sql, params = []) {
      return Number((await db.query(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n);
    },
    async expectValidOutbox() {
      const { rows } = await db.query<{ type: string; data: unknown }>('SELECT type, data FROM outbox');
      for (const r of rows) parseEventData(r.type as EventType, r.data);
      return rows.length;
    },
    async close() {
      await bus.close();
      await db.end();
      await svc.stop();
      t.cleanup();
    },
  };
}

/**
 * One harness for the whole test file: started before its first test, closed after its last. The
 * object answers for the started harness, so a file writes `const h = harnessForFile()` instead of
 * repeating the hooks; touched outside a test or hook (before it started) it throws.
 */
export function harnessForFile(opts: Parameters<typeof startHarness>[0] = {}): Harness {
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness(opts);
  });
  afterAll(async () => {
    await started?.close();
  });
  return new Proxy({} as Harness, {
    get(_, key) {
      if (!started) throw new Error(`the harness is not started yet (read of ${String(key)})`);
      return started[key as keyof Harness];
    },
  });
}

export interface Fixture {
  funderId: string;
  programmeId: string;
  programmeCode: string;
  granteeId: string;
}

export function programme(
  f: Fixture,
  stages?: { offsetDays: number; escalate: boolean }[],
): EventData<'programme.registered.v1'> {
  return {
    programmeId: f.programmeId,
    funderId: f.funderId,
    code: f.programmeCode,
    name: `Programme ${f.programmeCode}`,
    sector: null,
    praxisFeeds: [],
    reminderStages: stages ?? [],
    actor: { kind: 'api_key', id: 'k1' },
  };
}

export interface DerivedObligation {
  id: string;
  requirementId: string;
  kind: 'learning_note' | 'mid_term_note' | 'final_note';
  sequence: number;
  dueDate: string;
}

export function obligationsOf(
  requirementId: string,
  count: number,
  dueDate: string,
  kind: DerivedObligation['kind'] = 'learning_note',
): DerivedObligation[] {
  return Array.from({ length: count }, (_, i) => ({ id: uuid(), requirementId, kind, sequence: i + 1, dueDate }));
}

export function snapshot(
  f: Fixture,
  o: {
    agreementId?: string;
    revision?: number;
    obligations: DerivedObligation[];
    title?: string;
    referenceCode?: string;
    externalRef?: string;
  },
): EventData<'agreement.registered.v1'> {
  return {
    agreementId: o.agreementId ?? uuid(),
    funderId: f.funderId,
    programmeId: f.programmeId,
    programmeCode: f.programmeCode,
    externalRef: o.externalRef ?? `EXT-${crypto.randomBytes(3).toString('hex')}`,
    referenceCode: o.referenceCode ?? `PX-${crypto.randomBytes(2).toString('hex').toUpperCase()}-TEST`,
    title: o.title ?? 'Cuisine collective de quartier',
    startDate: '2027-01-01',
    endDate: '2027-12-31',
    signedAt: null,
    grantee: { id: f.granteeId, name: 'Cuisines solidaires de Limoilou', neq: '1234567890' },
    contacts: [{ name: 'Alex Tremblay', email: 'alex@example.org', locale: 'fr' }],
    obligations: o.obligations,
    revision: o.revision ?? 1,
    actor: { kind: 'api_key', id: 'k1' },
  };
}

export function fixture(over: Partial<Fixture> = {}): Fixture {
  return {
    funderId: uuid(),
    programmeId: uuid(),
    programmeCode: `PRG${crypto.randomBytes(2).toString('hex')}`,
    granteeId: uuid(),
    ...over,
  };
}

/** What the connector knows of a note, the same in its verification answer and in its events. */
export const praxisNote = (noteId: string) => ({
  noteId,
  title: `Note ${noteId}`,
  textSha256: 'abc',
  publishedOn: '2027-05-20' as string | null,
  firstSeenAt: '2027-05-20T12:00:00.000Z',
  verifiedAt: '2027-05-21T12:00:00.000Z',
});

/** praxis.note.verified.v1 for a note found in a feed, matched to the given agreements. */
export const verifiedNote = (
  noteId: string,
  agreementIds: string[],
  over: Partial<EventData<'praxis.note.verified.v1'>> = {},
): EventData<'praxis.note.verified.v1'> => ({
  noteUrl: `https://praxis.encommun.io/n/${noteId}/`,
  ...praxisNote(noteId),
  source: 'feed',
  agreementIds,
  ...over,
});

export const funder = (f: Fixture) => ({ role: 'funder' as const, funderId: f.funderId });
export const grantee = (f: Fixture) => ({ role: 'grantee' as const, granteeId: f.granteeId });
