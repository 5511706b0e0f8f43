/* eslint-disable @typescript-eslint/no-explicit-any -- outbox payloads are checked against the event catalog, then compared */
/**
 * Oracle: the evaluation's set-based SQL (CLASSIFY_SQL, REMINDERS_SQL, run by `evaluateRun` exactly
 * as the worker runs them) against the TypeScript rules of @pc/lifecycle, on a real PostgreSQL, over
 * the same tables of cases the unit tests use, plus a sweep of daylight-saving days in Montréal,
 * month ends and leap days for every policy. Both forms must give identical results.
 *
 * Which reminder stage a run sends exists only in SQL; the stage table below is its specification.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { parseEventData } from '@pc/contracts';
import { addDays, classify, earliestStageOffset, normaliseStages, type ReminderStage } from '@pc/lifecycle';
import { freshDatabase } from '@pc/testkit';
import { STATUSES, TIME_DRIVEN, type ObligationStatus } from '../src/domain/lifecycle';
import { evaluateRun } from '../src/use-cases/run-evaluation';
import { fixedClock } from '../src/adapters/clock';
import {
  ADD_DAYS_CASES,
  CALENDAR_DAYS,
  CLASSIFICATION_CASES,
  POLICIES,
  stage as reminderStage,
  stages,
} from '../../../packages/lifecycle/test/cases';

jest.setTimeout(300_000); // a few hundred evaluation runs on the shared 2-core machine

interface Case {
  name: string;
  dueDate: string;
  asOf: string;
  /** programme.reminder_stages as stored; null: no programme row at all */
  stored: readonly ReminderStage[] | null;
  from: ObligationStatus;
  /** stage keys an earlier run already recorded (sent or skipped) */
  recorded?: readonly string[];
  /** for the stage cases: what this run must emit (offsets for the calendar sweep, keys in the stage table) */
  stage?: { send: string | number | null; skipped: ReadonlyArray<string | number>; escalate?: boolean };
}

interface Outcome {
  status: string;
  transitions: Array<[string | null, string]>;
  /** reminder rows this run wrote */
  rows: Array<{ key: string; offset: number; status: string }>;
  /** the reminder.due.v1 event of this run, if any */
  event: any | null;
}

/** As the obligations service stores a programme's policy (programme.registered.v1 → normaliseStages). */
const asStored = (policy: readonly ReminderStage[] | null): readonly ReminderStage[] => normaliseStages(policy);
/** What the evaluation does to a status: time-driven states follow the calendar, the others stay. */
const expectedStatus = (c: Case): string =>
  TIME_DRIVEN.includes(c.from) ? classify(c.dueDate, c.asOf, normaliseStages(c.stored)) : c.from;
const offsetOfKey = (key: string): number => Number(key.slice(1)); // 'D-30' → -30, 'D0' → 0, 'D+7' → 7

let db: string;
let pool: pg.Pool;
const funderId = crypto.randomUUID();
const granteeId = crypto.randomUUID();
const agreementId = crypto.randomUUID();
const programmes = new Map<string, string>();

beforeAll(async () => {
  db = await freshDatabase();
  pool = new pg.Pool({ connectionString: db, options: '-c search_path=obligations', max: 2 });
  await pool.query(
    `INSERT INTO agreement (id, funder_id, programme_code, external_ref, reference_code, title, grantee_id, grantee_name, contacts, revision)
     VALUES ($1, $2, 'ORACLE', 'EXT-ORACLE', 'PX-ORAC-LE00', 'Oracle', $3, 'Organisme', $4::jsonb, 1)`,
    [
      agreementId,
      funderId,
      granteeId,
      JSON.stringify([{ name: 'Alex Tremblay', email: 'alex@example.org', locale: 'fr' }]),
    ],
  );
});
afterAll(async () => {
  await pool?.end();
});

/** One programme row per stored policy (null: an id with no row, as when programme.registered never arrived). */
async function programmeFor(stored: readonly ReminderStage[] | null): Promise<string> {
  const key = JSON.stringify(stored);
  let id = programmes.get(key);
  if (id) return id;
  id = crypto.randomUUID();
  programmes.set(key, id);
  if (stored !== null) {
    await pool.query(
      `INSERT INTO programme (id, funder_id, code, name, reminder_stages) VALUES ($1, $2, $3, 'Oracle', $4::jsonb)`,
      [id, funderId, `P${programmes.size}`, JSON.stringify(stored)],
    );
  }
  return id;
}

/**
 * Runs the cases through the production evaluation, one run per evaluation day: each case is one
 * obligation (plus the reminders an earlier run recorded); after the run they are closed so the
 * next day's run sees only its own.
 */
async function evaluate(cases: readonly Case[]): Promise<Map<Case, Outcome>> {
  const out = new Map<Case, Outcome>();
  const byDay = new Map<string, Case[]>();
  for (const c of cases) byDay.set(c.asOf, [...(byDay.get(c.asOf) ?? []), c]);
  for (const [asOf, group] of byDay) {
    const ids = group.map(() => crypto.randomUUID());
    const progs = await Promise.all(group.map((c) => programmeFor(c.stored)));
    await pool.query(
      `INSERT INTO obligation (id, agreement_id, funder_id, programme_id, grantee_id, requirement_id, kind, sequence, due_date, derived_due_date, status)
       SELECT id, $2, $3, p, $4, gen_random_uuid(), 'learning_note', 1, d, d, s
       FROM unnest($1::uuid[], $5::uuid[], $6::date[], $7::text[]) AS t(id, p, d, s)`,
      [ids, agreementId, funderId, granteeId, progs, group.map((c) => c.dueDate), group.map((c) => c.from)],
    );
    const recorded = group.flatMap((c, i) => (c.recorded ?? []).map((key) => [ids[i]!, key] as const));
    if (recorded.length > 0) {
      await pool.query(
        `INSERT INTO reminder (id, obligation_id, stage_key, offset_days, escalate, status, run_id, as_of)
         SELECT gen_random_uuid(), o, k, n, false, 'due', gen_random_uuid(), '2000-01-01' FROM unnest($1::uuid[], $2::text[], $3::int[]) AS t(o, k, n)`,
        [recorded.map((r) => r[0]), recorded.map((r) => r[1]), recorded.map((r) => offsetOfKey(r[1]))],
      );
    }
    const jobId = crypto.randomUUID();
    await pool.query(`INSERT INTO evaluation_run (job_id, as_of, status) VALUES ($1, $2::date, 'queued')`, [
      jobId,
      asOf,
    ]);
    await evaluateRun(pool, jobId, { batchSize: 25, clock: fixedClock(asOf) }); // small batches: cursors cross cases

    const status = new Map(
      (
        await pool.query<{ id: string; status: string }>(
          'SELECT id, status FROM obligation WHERE id = ANY($1::uuid[])',
          [ids],
        )
      ).rows.map((r) => [r.id, r.status]),
    );
    const transitions = (
      await pool.query<{ obligation_id: string; from_status: string | null; to_status: string }>(
        'SELECT obligation_id, from_status, to_status FROM transition WHERE actor_id = $1 ORDER BY seq',
        [`evaluation:${jobId}`],
      )
    ).rows;
    const rows = (
      await pool.query<{ obligation_id: string; stage_key: string; offset_days: number; status: string }>(
        'SELECT obligation_id, stage_key, offset_days, status FROM reminder WHERE run_id = $1 ORDER BY offset_days',
        [jobId],
      )
    ).rows;
    const events = (
      await pool.query<{ type: string; data: any }>(
        `SELECT o.type, o.data FROM outbox o WHERE (o.type = 'reminder.due.v1' AND o.data->>'runId' = $1)
          OR (o.type = 'obligation.transitioned.v1' AND o.data->'actor'->>'id' = $2)`,
        [jobId, `evaluation:${jobId}`],
      )
    ).rows;
    for (const e of events) parseEventData(e.type as 'reminder.due.v1' | 'obligation.transitioned.v1', e.data); // SQL-built payloads obey the catalog
    group.forEach((c, i) => {
      const id = ids[i]!;
      const mine = events.filter((e) => e.type === 'reminder.due.v1' && e.data.obligation.id === id);
      if (mine.length > 1) throw new Error(`${c.name}: ${mine.length} reminder.due events in one run`);
      out.set(c, {
        status: status.get(id)!,
        transitions: transitions.filter((t) => t.obligation_id === id).map((t) => [t.from_status, t.to_status]),
        rows: rows
          .filter((r) => r.obligation_id === id)
          .map((r) => ({ key: r.stage_key, offset: r.offset_days, status: r.status })),
        event: mine[0]?.data ?? null,
      });
    });
    await pool.query(`UPDATE obligation SET status = 'cancelled' WHERE id = ANY($1::uuid[])`, [ids]);
  }
  return out;
}

/** The status, and a transition exactly when it changed: what the TypeScript rule says. */
function classificationMismatch(c: Case, o: Outcome): string | null {
  const want = expectedStatus(c);
  const wantTransitions = want === c.from ? [] : [[c.from, want]];
  if (o.status === want && JSON.stringify(o.transitions) === JSON.stringify(wantTransitions)) return null;
  return `${c.name} (${c.from}, due ${c.dueDate}, as of ${c.asOf}, stages ${JSON.stringify(c.stored)}): SQL ${o.status} ${JSON.stringify(o.transitions)}, TypeScript ${want}`;
}

// ---- the life-cycle table ----

describe('classification: CLASSIFY_SQL and classify agree on every row of the life-cycle table', () => {
  const cases: Case[] = CLASSIFICATION_CASES.flatMap((row) =>
    STATUSES.map((from) => ({
      name: row.why,
      dueDate: row.dueDate,
      asOf: row.asOf,
      stored: row.stages === null ? null : asStored(row.stages),
      from,
    })),
  );
  let outcomes: Map<Case, Outcome>;
  beforeAll(async () => {
    outcomes = await evaluate(cases);
  });

  it.each(CLASSIFICATION_CASES.map((row) => [row.why, row] as const))('%s', (_why, row) => {
    const mine = cases.filter((c) => c.name === row.why && c.dueDate === row.dueDate && c.asOf === row.asOf);
    expect(mine).toHaveLength(STATUSES.length);
    for (const c of mine) {
      const o = outcomes.get(c)!;
      expect(classificationMismatch(c, o)).toBeNull();
      if (TIME_DRIVEN.includes(c.from))
        expect(o.status).toBe(row.expected); // and both are what the table says
      else expect(o.rows).toEqual([]); // settled or withdrawn obligations get no stage reminder
    }
  });
});

// ---- the stage table ----

const DUE = '2027-07-15';
const ALL = ['D-30', 'D-7', 'D0', 'D+7'];
const STAGE_TABLE: Case[] = [
  {
    name: 'before any stage',
    dueDate: DUE,
    asOf: '2027-06-14',
    stored: asStored(null),
    from: 'upcoming',
    stage: { send: null, skipped: [] },
  },
  {
    name: 'on D-30',
    dueDate: DUE,
    asOf: '2027-06-15',
    stored: asStored(null),
    from: 'upcoming',
    stage: { send: 'D-30', skipped: [] },
  },
  {
    name: 'between D-30 and D-7, D-30 recorded',
    dueDate: DUE,
    asOf: '2027-07-01',
    stored: asStored(null),
    from: 'due_soon',
    recorded: ['D-30'],
    stage: { send: null, skipped: [] },
  },
  {
    name: 'between D-30 and D-7, D-30 missed: D-30 is still sent',
    dueDate: DUE,
    asOf: '2027-07-01',
    stored: asStored(null),
    from: 'upcoming',
    stage: { send: 'D-30', skipped: [] },
  },
  {
    name: 'on D-7, D-30 recorded',
    dueDate: DUE,
    asOf: '2027-07-08',
    stored: asStored(null),
    from: 'due_soon',
    recorded: ['D-30'],
    stage: { send: 'D-7', skipped: [] },
  },
  {
    name: 'on D0',
    dueDate: DUE,
    asOf: DUE,
    stored: asStored(null),
    from: 'due_soon',
    recorded: ['D-30', 'D-7'],
    stage: { send: 'D0', skipped: [] },
  },
  {
    name: 'after downtime: D+8 with nothing recorded → only D+7, the rest skipped',
    dueDate: DUE,
    asOf: '2027-07-23',
    stored: asStored(null),
    from: 'upcoming',
    stage: { send: 'D+7', skipped: ['D-30', 'D-7', 'D0'] },
  },
  {
    name: 'after downtime with D-30 recorded',
    dueDate: DUE,
    asOf: '2027-07-23',
    stored: asStored(null),
    from: 'due_soon',
    recorded: ['D-30'],
    stage: { send: 'D+7', skipped: ['D-7', 'D0'] },
  },
  {
    name: 'latest already recorded → nothing, earlier ones not filled in',
    dueDate: DUE,
    asOf: '2027-07-23',
    stored: asStored(null),
    from: 'overdue',
    recorded: ['D+7'],
    stage: { send: null, skipped: [] },
  },
  {
    name: 'D+30 escalates',
    dueDate: DUE,
    asOf: '2027-08-14',
    stored: asStored(null),
    from: 'overdue',
    recorded: ALL,
    stage: { send: 'D+30', skipped: [], escalate: true },
  },
  {
    name: 'every stage recorded → nothing, ever',
    dueDate: DUE,
    asOf: '2027-12-01',
    stored: asStored(null),
    from: 'overdue',
    recorded: [...ALL, 'D+30'],
    stage: { send: null, skipped: [] },
  },
  {
    name: "a programme's own policy, stored sorted and one per day (-3, +7 escalating)",
    dueDate: DUE,
    asOf: '2027-07-22',
    stored: asStored([reminderStage(7), reminderStage(-3), reminderStage(7, true)]),
    from: 'overdue',
    stage: { send: 'D+7', skipped: ['D-3'], escalate: true },
  },
  {
    name: 'two-digit keys (D-60, D+14)',
    dueDate: DUE,
    asOf: '2027-05-16',
    stored: asStored(stages(-60, 0)),
    from: 'upcoming',
    stage: { send: 'D-60', skipped: [] },
  },
  {
    name: 'D+14 escalating after D-1',
    dueDate: DUE,
    asOf: '2027-07-29',
    stored: asStored([reminderStage(-1), reminderStage(14, true)]),
    from: 'overdue',
    stage: { send: 'D+14', skipped: ['D-1'], escalate: true },
  },
  {
    name: 'only stages after the due date: nothing on the due day',
    dueDate: DUE,
    asOf: DUE,
    stored: asStored(stages(5)),
    from: 'upcoming',
    stage: { send: null, skipped: [] },
  },
  {
    name: 'only stages after the due date: D+5 on its day',
    dueDate: DUE,
    asOf: '2027-07-20',
    stored: asStored(stages(5)),
    from: 'overdue',
    stage: { send: 'D+5', skipped: [] },
  },
  {
    name: 'no programme known: the default stages',
    dueDate: DUE,
    asOf: '2027-06-15',
    stored: null,
    from: 'upcoming',
    stage: { send: 'D-30', skipped: [] },
  },
  {
    name: 'a programme stored without stages: the default stages',
    dueDate: DUE,
    asOf: '2027-07-08',
    stored: [],
    from: 'upcoming',
    stage: { send: 'D-7', skipped: ['D-30'] },
  },
  {
    name: 'extended: reminded on D-7 of its new date',
    dueDate: DUE,
    asOf: '2027-07-08',
    stored: asStored(null),
    from: 'extended',
    recorded: ['D-30'],
    stage: { send: 'D-7', skipped: [] },
  },
  {
    name: 'extended: a stage recorded before the extension is not sent again',
    dueDate: DUE,
    asOf: '2027-07-08',
    stored: asStored(null),
    from: 'extended',
    recorded: ['D-30', 'D-7'],
    stage: { send: null, skipped: [] },
  },
  ...(['fulfilled', 'evidence_withdrawn', 'waived', 'cancelled'] as const).map((from): Case => ({
    name: `${from}: no stage reminder`,
    dueDate: DUE,
    asOf: '2027-07-23',
    stored: asStored(null),
    from,
    stage: { send: null, skipped: [] },
  })),
  {
    name: 'leap day due: D-30 on 2028-01-30',
    dueDate: '2028-02-29',
    asOf: '2028-01-30',
    stored: asStored(null),
    from: 'upcoming',
    stage: { send: 'D-30', skipped: [] },
  },
  {
    name: 'leap day due: nothing on 2028-01-29',
    dueDate: '2028-02-29',
    asOf: '2028-01-29',
    stored: asStored(null),
    from: 'upcoming',
    stage: { send: null, skipped: [] },
  },
  {
    name: 'leap day due: D0 on the 29th',
    dueDate: '2028-02-29',
    asOf: '2028-02-29',
    stored: asStored(null),
    from: 'due_soon',
    recorded: ['D-30', 'D-7'],
    stage: { send: 'D0', skipped: [] },
  },
  {
    name: 'month end: D-30 of March 31 on March 1',
    dueDate: '2027-03-31',
    asOf: '2027-03-01',
    stored: asStored(null),
    from: 'upcoming',
    stage: { send: 'D-30', skipped: [] },
  },
  {
    name: 'month end: nothing on February 28',
    dueDate: '2027-03-31',
    asOf: '2027-02-28',
    stored: asStored(null),
    from: 'upcoming',
    stage: { send: null, skipped: [] },
  },
  {
    name: 'DST starts (2027-03-14): D+7 on 2027-03-21',
    dueDate: '2027-03-14',
    asOf: '2027-03-21',
    stored: asStored(null),
    from: 'overdue',
    stage: { send: 'D+7', skipped: ['D-30', 'D-7', 'D0'] },
  },
  {
    name: 'DST ends (2027-11-07): D-7 on 2027-10-31',
    dueDate: '2027-11-07',
    asOf: '2027-10-31',
    stored: asStored(null),
    from: 'due_soon',
    stage: { send: 'D-7', skipped: ['D-30'] },
  },
  {
    name: 'DST ends: D+30 on 2027-12-07, escalating',
    dueDate: '2027-11-07',
    asOf: '2027-12-07',
    stored: asStored(null),
    from: 'overdue',
    stage: { send: 'D+30', skipped: ['D-30', 'D-7', 'D0', 'D+7'], escalate: true },
  },
];

describe('reminder stages: REMINDERS_SQL follows the stage table', () => {
  let outcomes: Map<Case, Outcome>;
  beforeAll(async () => {
    outcomes = await evaluate(STAGE_TABLE);
  });

  it.each(STAGE_TABLE.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const o = outcomes.get(c)!;
    const want = c.stage!;
    expect(classificationMismatch(c, o)).toBeNull();
    expect(o.rows.map((r) => [r.key, r.status])).toEqual(
      [...want.skipped.map((k) => [k, 'skipped']), ...(want.send === null ? [] : [[want.send, 'due']])].sort(
        (a, b) => offsetOfKey(a[0] as string) - offsetOfKey(b[0] as string),
      ),
    );
    for (const r of o.rows) expect(r.offset).toBe(offsetOfKey(r.key));
    if (want.send === null) {
      expect(o.event).toBeNull();
      return;
    }
    expect(o.event).toMatchObject({
      stage: { key: want.send, offsetDays: offsetOfKey(want.send as string), escalate: want.escalate ?? false },
      skippedStages: want.skipped,
      obligation: { dueDate: c.dueDate, status: expectedStatus(c) },
      asOf: c.asOf,
    });
  });
});

// ---- daylight-saving days, month ends and leap days, for every policy ----

/**
 * Every boundary of every policy around every calendar corner, the corner being the due date or the
 * evaluation day: the first day of due_soon (earliest stage), of overdue (the day after the due date)
 * and of each stage, and the day before each. On a stage's first day that stage is sent and the
 * earlier ones skipped; the day before, the previous stage is sent.
 */
function calendarSweep(): Case[] {
  const out: Case[] = [];
  for (const policy of POLICIES) {
    const stored = asStored(policy);
    const offsets = stored.map((s) => s.offsetDays);
    const boundaries = [...new Set([earliestStageOffset(stored), 1, ...offsets])];
    for (const day of CALENDAR_DAYS) {
      for (const k of boundaries) {
        for (const before of [0, 1]) {
          const i = offsets.indexOf(k) - before; // the stage expected to be sent, when k is a stage's day
          const stage = offsets.includes(k)
            ? { send: i >= 0 ? offsets[i]! : null, skipped: offsets.slice(0, Math.max(i, 0)) }
            : undefined;
          const from = TIME_DRIVEN[out.length % TIME_DRIVEN.length]!;
          const shift = k - before;
          out.push({
            name: `due ${day}, boundary ${k}${before ? ' (day before)' : ''}`,
            dueDate: day,
            asOf: addDays(day, shift),
            stored,
            from,
            ...(stage ? { stage } : {}),
          });
          out.push({
            name: `as of ${day}, boundary ${k}${before ? ' (day before)' : ''}`,
            dueDate: addDays(day, -shift),
            asOf: day,
            stored,
            from,
            ...(stage ? { stage } : {}),
          });
        }
      }
    }
  }
  return out;
}

describe('calendar corners: SQL and TypeScript agree on daylight-saving days (America/Montreal), month ends and leap days', () => {
  const sweep = calendarSweep();
  let outcomes: Map<Case, Outcome>;
  beforeAll(async () => {
    outcomes = await evaluate(sweep);
  });

  it('classifies every swept case the same way', () => {
    expect(sweep.length).toBeGreaterThan(1000);
    const classes = new Set(sweep.map((c) => expectedStatus(c)));
    expect([...classes].sort()).toEqual(['due_soon', 'overdue', 'upcoming']); // the sweep reaches every class
    expect(sweep.map((c) => classificationMismatch(c, outcomes.get(c)!)).filter((m) => m !== null)).toEqual([]);
  });

  it('sends each stage on the day TypeScript computes for it, not the day before', () => {
    const staged = sweep.filter((c) => c.stage);
    expect(staged.length).toBeGreaterThan(500);
    const wrong = staged.flatMap((c) => {
      const o = outcomes.get(c)!;
      const sent = o.rows.filter((r) => r.status === 'due').map((r) => r.offset);
      const skipped = o.rows.filter((r) => r.status === 'skipped').map((r) => r.offset);
      const want = { sent: c.stage!.send === null ? [] : [c.stage!.send], skipped: c.stage!.skipped };
      return JSON.stringify({ sent, skipped }) === JSON.stringify(want)
        ? []
        : [
            `${c.name} (due ${c.dueDate}, as of ${c.asOf}, stages ${JSON.stringify(c.stored)}): SQL ${JSON.stringify({ sent, skipped })}, expected ${JSON.stringify(want)}`,
          ];
    });
    expect(wrong).toEqual([]);
  });

  it('adds days in PostgreSQL exactly as addDays does', async () => {
    const pairs: Array<readonly [string, number]> = [
      ...ADD_DAYS_CASES.map(([d, n]) => [d, n] as const),
      ...sweep.map((c) => [c.dueDate, Math.round((Date.parse(c.asOf) - Date.parse(c.dueDate)) / 86_400_000)] as const),
    ];
    const { rows } = await pool.query<{ d: string }>(
      `SELECT to_char(d + n, 'YYYY-MM-DD') AS d FROM unnest($1::date[], $2::int[]) WITH ORDINALITY AS t(d, n, i) ORDER BY i`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    expect(rows.map((r) => r.d)).toEqual(pairs.map(([d, n]) => addDays(d, n)));
    for (const [d, n, expected] of ADD_DAYS_CASES) expect(addDays(d, n)).toBe(expected);
  });
});
