/**
 * Every event a service writes to its outbox satisfies the catalog.
 *
 * Writers that hand events over from TypeScript check them on the way (`enqueue`, `outboxColumns`,
 * or `parseEventData` before a COPY). Set-based SQL that builds the event JSON itself
 * (`jsonb_build_object` inside an `INSERT INTO outbox … SELECT`) cannot: it stays SQL for speed, so
 * this file finds each such statement in the services' source and runs it on a real database, then
 * checks every row it produced against the schema of its type. A new statement of either kind that
 * this file does not know fails the census below.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { isEventType, parseEventData, type EventData } from '@pc/contracts';
import { eventPublisher, eventually, repoRoot, testEnv, type EventPublisher, type TestEnv } from '@pc/testkit';
import { startObligations, type RunningService } from '../../services/obligations/src/main';
import { loadObligationsConfig } from '../../services/obligations/src/config';
import { fixedClock } from '../../services/obligations/src/adapters/clock';

jest.setTimeout(120_000);

interface Writer {
  file: string;
  line: number;
  sqlBuilt: boolean;
  types: string[];
}

/** The TypeScript files under `dir` (relative to the repository), generated clients left out. */
function sources(dir: string): string[] {
  const abs = path.join(repoRoot, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sources(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** Every statement of the source that inserts or copies into an outbox table. */
function outboxWriters(): Writer[] {
  const roots = ['services', 'packages'].flatMap((d) =>
    fs.readdirSync(path.join(repoRoot, d)).map((n) => path.join(d, n, 'src')),
  );
  const files = roots.flatMap(sources);
  const found: Writer[] = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(repoRoot, file), 'utf8');
    for (const m of text.matchAll(/INSERT\s+INTO\s+outbox\b|copyInto\([^,]+,\s*'outbox'/gi)) {
      // The statement runs to the end of its template literal (a CTE statement: to its final SELECT).
      const end = text.indexOf('`', m.index);
      const statement = text.slice(m.index, end === -1 ? undefined : end);
      found.push({
        file,
        line: text.slice(0, m.index).split('\n').length,
        sqlBuilt: /jsonb?_build_(object|array)|to_jsonb?\(|row_to_json|jsonb?_agg/i.test(statement),
        types: [...new Set([...statement.matchAll(/'([a-z_]+\.[a-z_]+\.v\d+)'/g)].map((t) => t[1]!))],
      });
    }
  }
  return found;
}

/** SQL-built event types, by file: each is produced and checked by the scenario below. */
const SQL_BUILT: Record<string, string[]> = {
  'services/obligations/src/adapters/evaluation-store.ts': ['obligation.transitioned.v1', 'reminder.due.v1'],
  'services/obligations/src/adapters/snapshot-store.ts': ['obligation.transitioned.v1'],
};
/** How a writer of TypeScript events checks them (the file must call it). */
const CHECKED_BY = /\b(enqueue|outboxColumns|parseEventData)\(/;

describe('outbox writers', () => {
  it('finds every statement that writes an outbox, and each either checks its events or is covered below', () => {
    const writers = outboxWriters();
    // The four known writers: enqueue, the intake COPY, the notifier's outcome statement, the evaluation's two.
    expect(writers.length).toBeGreaterThanOrEqual(5);
    for (const w of writers) {
      const where = `${w.file}:${w.line}`;
      if (w.sqlBuilt) {
        expect({ where, types: w.types.filter((t) => !(SQL_BUILT[w.file] ?? []).includes(t)) }).toEqual({
          where,
          types: [],
        });
        expect({ where, knownTypes: w.types.length > 0 && w.types.every(isEventType) }).toEqual({
          where,
          knownTypes: true,
        });
      } else {
        expect({ where, checked: CHECKED_BY.test(fs.readFileSync(path.join(repoRoot, w.file), 'utf8')) }).toEqual({
          where,
          checked: true,
        });
      }
    }
    const covered = Object.entries(SQL_BUILT).flatMap(([file, types]) => types.map((t) => `${file} ${t}`));
    const seen = writers.filter((w) => w.sqlBuilt).flatMap((w) => w.types.map((t) => `${w.file} ${t}`));
    expect(seen.sort()).toEqual(covered.sort()); // nothing listed here that the source no longer has
  });
});

describe('events built by SQL, on a real database', () => {
  let t: TestEnv;
  let svc: RunningService;
  let db: pg.Client;
  let bus: EventPublisher;
  const actor = { kind: 'api_key' as const, id: 'k1' };
  const funderId = crypto.randomUUID();
  const programmeId = crypto.randomUUID();
  const unregisteredProgramme = crypto.randomUUID(); // no programme.registered: the default stages apply
  const jobId = crypto.randomUUID();

  const inbox = (id: string) =>
    eventually(
      async () => (await db.query('SELECT 1 FROM inbox WHERE message_id = $1', [id])).rowCount,
      `event ${id} handled`,
    );
  const agreement = (
    p: string,
    contacts: EventData<'agreement.registered.v1'>['contacts'],
    dues: string[],
  ): EventData<'agreement.registered.v1'> => {
    const requirementId = crypto.randomUUID();
    return {
      agreementId: crypto.randomUUID(),
      funderId,
      programmeId: p,
      programmeCode: 'MOB',
      externalRef: `EXT-${crypto.randomBytes(3).toString('hex')}`,
      referenceCode: `PX-${crypto.randomBytes(2).toString('hex').toUpperCase()}-TEST`,
      title: 'Cuisine « collective » de quartier',
      startDate: '2027-01-01',
      endDate: '2027-12-31',
      signedAt: null,
      grantee: { id: crypto.randomUUID(), name: 'Cuisines solidaires de Limoilou', neq: null },
      contacts,
      obligations: dues.map((dueDate, i) => ({
        id: crypto.randomUUID(),
        requirementId,
        kind: 'learning_note' as const,
        sequence: i + 1,
        dueDate,
      })),
      revision: 1,
      actor,
    };
  };

  beforeAll(async () => {
    t = await testEnv();
    // Obligations registered on 1 June; the evaluation runs as of 1 July, so statuses move and stages fall due.
    svc = await startObligations(loadObligationsConfig(t.env), undefined, { clock: fixedClock('2027-06-01') });
    db = new pg.Client({ connectionString: t.databaseUrl, options: '-c search_path=obligations' });
    await db.connect();
    bus = await eventPublisher(t.amqpUrl);
    await inbox(
      await bus.publishEvent('programme.registered.v1', {
        programmeId,
        funderId,
        code: 'MOB',
        name: 'Mobilisation',
        sector: null,
        praxisFeeds: [],
        reminderStages: [
          { offsetDays: -14, escalate: false },
          { offsetDays: 3, escalate: true },
        ],
        actor,
      }),
    );
    for (const a of [
      agreement(
        programmeId,
        [{ name: 'Alex Tremblay', email: 'alex@example.org', locale: 'fr' }],
        ['2027-06-20', '2027-07-10'],
      ),
      agreement(unregisteredProgramme, [], ['2027-06-15', '2027-07-20', '2027-07-01']),
    ])
      await inbox(await bus.publishEvent('agreement.registered.v1', a));
    await bus.publishEvent('job.requested.v1', {
      jobId,
      kind: 'evaluate',
      asOf: '2027-07-01',
      actor: { kind: 'system', id: 'scheduler' },
    });
    await eventually(
      async () =>
        (
          await db.query(
            `SELECT 1 FROM outbox WHERE type = 'job.finished.v1' AND subject = $1 AND data->>'status' = 'succeeded'`,
            [jobId],
          )
        ).rowCount,
      'the evaluation finished',
    );
  });
  afterAll(async () => {
    await bus?.close();
    await db?.end();
    await svc?.stop();
    t?.cleanup();
  });

  it('wrote obligation.transitioned.v1 and reminder.due.v1 rows from SQL, each exactly as its schema reads it', async () => {
    const { rows } = await db.query<{ id: string; type: string; data: Record<string, unknown> }>(
      `SELECT id, type, data FROM outbox WHERE (type = 'obligation.transitioned.v1' AND data->'actor'->>'id' = $1)
          OR (type = 'reminder.due.v1' AND data->>'runId' = $2) ORDER BY type, id`,
      [`evaluation:${jobId}`, jobId],
    );
    const transitions = rows.filter((r) => r.type === 'obligation.transitioned.v1');
    const reminders = rows.filter((r) => r.type === 'reminder.due.v1');
    expect(transitions.length).toBeGreaterThanOrEqual(3);
    expect(reminders.length).toBe(5);
    // The shapes the SQL has to get right: empty and non-empty arrays, the default policy, nulls.
    expect(reminders.some((r) => (r.data.contacts as unknown[]).length === 0)).toBe(true);
    expect(reminders.some((r) => (r.data.skippedStages as unknown[]).length > 0)).toBe(true);
    expect(reminders.some((r) => (r.data.stage as { key: string }).key === 'D+3')).toBe(true); // the programme's own stages
    expect(reminders.some((r) => (r.data.stage as { key: string }).key === 'D+7')).toBe(true); // the default stages
    const problems: string[] = [];
    for (const r of rows) {
      if (!isEventType(r.type)) {
        problems.push(`${r.id}: unknown type ${r.type}`);
        continue;
      }
      try {
        // Equal after parsing: no field missing or mistyped, and none the schema does not know (zod drops those).
        expect(parseEventData(r.type, r.data)).toEqual(r.data);
      } catch (err) {
        problems.push(`${r.type} ${r.id}: ${(err as Error).message.split('\n').slice(0, 12).join(' ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('wrote the obligation.transitioned.v1 rows of new agreements from SQL, each exactly as its schema reads it', async () => {
    const { rows } = await db.query<{ id: string; type: string; data: Record<string, unknown> }>(
      `SELECT id, type, data FROM outbox WHERE type = 'obligation.transitioned.v1' AND data->>'reason' = 'agreement registered'`,
    );
    expect(rows).toHaveLength(5); // the two agreements' obligations, each created by the batched snapshot path
    expect(rows.every((r) => r.data.from === null && (r.data.actor as { id: string }).id === actor.id)).toBe(true);
    const problems = rows.flatMap((r) => {
      try {
        expect(parseEventData('obligation.transitioned.v1', r.data)).toEqual(r.data);
        return [];
      } catch (err) {
        return [`${r.id}: ${(err as Error).message.split('\n').slice(0, 12).join(' ')}`];
      }
    });
    expect(problems).toEqual([]);
  });

  it('leaves nothing in the outbox that breaks the catalog, whoever wrote it', async () => {
    const { rows } = await db.query<{ id: string; type: string; data: unknown }>('SELECT id, type, data FROM outbox');
    expect(rows.length).toBeGreaterThan(10);
    const bad = rows.filter(({ type, data }) => !(isEventType(type) && safe(() => parseEventData(type, data))));
    expect(bad).toEqual([]);
  });
});

function safe(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}
