/**
 * Praxis note events in batches end where one event at a time ends.
 *
 * Two databases from the same template, the same agreements in both (obligations with various due
 * dates, some waived by hand). Random sequences of praxis.note.verified.v1 (a few notes, each naming
 * some of the agreements and agreements this service does not know; feed, declared and reverify) and
 * praxis.note.withdrawn.v1 are applied to one database one per transaction (`recordVerifiedNote`,
 * `withdrawEvidence`, as the consumer did before batching) and to the other in random batches
 * (`recordNoteEvents`, a failing batch replayed one event at a time as the bus does). Obligations,
 * evidence, transitions and their events must be identical.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import type pg from 'pg';
import { createLogger } from '@pc/service-kit';
import { twinDatabases } from '@pc/testkit';
import type { Envelope, EventData } from '@pc/contracts';
import { createPrisma, transaction, type PrismaClient, type Tx } from '../src/adapters/prisma';
import { fixedClock } from '../src/adapters/clock';
import { reconcileAgreement } from '../src/use-cases/reconcile-agreement';
import { recordVerifiedNote } from '../src/use-cases/record-verified-note';
import { withdrawEvidence } from '../src/use-cases/withdraw-evidence';
import { recordNoteEvents, type NoteItem } from '../src/use-cases/record-note-events';
import { fixture, obligationsOf, snapshot, uuid } from './helpers';

jest.setTimeout(600_000);

const clock = fixedClock('2027-06-01');
const logger = createLogger('obligations-test', 'silent');
const NOTES = 4;
const AGREEMENTS = 3;
const PUBLISHED = [null, '2027-03-01', '2027-06-20'];
const REASONS = ['not_found', 'gone', 'private'] as const;

type Step =
  | {
      kind: 'verified';
      note: number;
      agreements: number[];
      unknown: boolean;
      source: 'feed' | 'declared' | 'reverify';
      published: number;
    }
  | { kind: 'withdrawn'; note: number; reason: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('verified' as const),
      note: fc.nat(NOTES - 1),
      agreements: fc.uniqueArray(fc.nat(AGREEMENTS - 1), { minLength: 1, maxLength: AGREEMENTS }),
      unknown: fc.boolean(),
      source: fc.constantFrom('feed' as const, 'feed' as const, 'declared' as const, 'reverify' as const),
      published: fc.nat(PUBLISHED.length - 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('withdrawn' as const), note: fc.nat(NOTES - 1), reason: fc.nat(2) }),
  },
);

const scenarioArb = fc.record({
  before: fc.array(stepArb, { maxLength: 4 }),
  waive: fc.array(fc.record({ a: fc.nat(AGREEMENTS - 1), o: fc.nat(2) }), { maxLength: 2 }),
  main: fc.array(stepArb, { minLength: 1, maxLength: 14 }),
  cuts: fc.uniqueArray(fc.integer({ min: 1, max: 13 }), { maxLength: 3 }),
});

type Event =
  | { type: 'praxis.note.verified.v1'; data: EventData<'praxis.note.verified.v1'> }
  | { type: 'praxis.note.withdrawn.v1'; data: EventData<'praxis.note.withdrawn.v1'> };

function eventOf(run: { notes: string[]; agreements: string[] }, s: Step, i: number): Event {
  const noteId = run.notes[s.note]!;
  const noteUrl = `https://praxis.encommun.io/n/${noteId}/`;
  if (s.kind === 'withdrawn')
    return {
      type: 'praxis.note.withdrawn.v1',
      data: {
        noteUrl,
        noteId,
        reason: REASONS[s.reason]!,
        httpStatus: 404,
        at: `2027-06-01T12:00:${String(i % 60).padStart(2, '0')}.000Z`,
      },
    };
  return {
    type: 'praxis.note.verified.v1',
    data: {
      noteUrl,
      noteId,
      title: `Note ${s.note} (${i})`,
      textSha256: 'abc',
      publishedOn: PUBLISHED[s.published]!,
      firstSeenAt: '2027-05-20T12:00:00.000Z',
      verifiedAt: `2027-05-21T12:00:${String(i % 60).padStart(2, '0')}.000Z`,
      source: s.source,
      agreementIds: [...s.agreements.map((a) => run.agreements[a]!), ...(s.unknown ? [uuid()] : [])],
    },
  };
}

async function applyOne(tx: Tx, e: Event): Promise<void> {
  if (e.type === 'praxis.note.verified.v1') await recordVerifiedNote(tx, e.data, clock, logger);
  else await withdrawEvidence(tx, e.data, clock);
}

const itemOf = (e: Event): NoteItem => {
  const envelope = {
    specversion: '1.0',
    id: uuid(),
    source: 'praxis-connector',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    ...e,
  } as Envelope<'praxis.note.verified.v1' | 'praxis.note.withdrawn.v1'>;
  return { data: envelope.data, envelope } as NoteItem;
};

async function oneByOne(prisma: PrismaClient, events: Event[]): Promise<number[]> {
  const failed: number[] = [];
  for (const [i, e] of events.entries())
    await transaction(prisma, (tx) => applyOne(tx, e), 60_000).catch(() => failed.push(i));
  return failed;
}

async function batched(prisma: PrismaClient, events: Event[], cuts: number[]): Promise<number[]> {
  const failed: number[] = [];
  const bounds = [0, ...cuts.filter((c) => c < events.length).sort((x, y) => x - y), events.length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const from = bounds[k]!;
    const chunk = events.slice(from, bounds[k + 1]);
    if (chunk.length === 0) continue;
    try {
      await transaction(prisma, (tx) => recordNoteEvents(tx, chunk.map(itemOf), clock, logger), 60_000);
    } catch {
      for (const [j, e] of chunk.entries())
        await transaction(prisma, (tx) => recordNoteEvents(tx, [itemOf(e)], clock, logger), 60_000).catch(() =>
          failed.push(from + j),
        );
    }
  }
  return failed;
}

async function stateOf(pool: pg.Pool, agreementIds: string[]): Promise<unknown> {
  const q = async (sql: string): Promise<unknown[]> => (await pool.query(sql, [agreementIds])).rows;
  return {
    obligations: await q(`SELECT id, status, to_char(due_date, 'YYYY-MM-DD') AS due_date, fulfilled_at, late, updated_at
      FROM obligation WHERE agreement_id = ANY($1::uuid[]) ORDER BY id`),
    evidence:
      await q(`SELECT obligation_id, agreement_id, note_id, note_url, title, to_char(published_on, 'YYYY-MM-DD') AS published_on,
        late, source, verified_at, withdrawn_at, withdrawn_reason
      FROM evidence WHERE agreement_id = ANY($1::uuid[]) ORDER BY agreement_id, note_id`),
    transitions: await q(`SELECT t.obligation_id, t.from_status, t.to_status, t.reason, t.actor_kind, t.actor_id, t.at,
        e.type, e.subject, e.data
      FROM transition t JOIN obligation o ON o.id = t.obligation_id LEFT JOIN outbox e ON e.id = t.id
      WHERE o.agreement_id = ANY($1::uuid[]) ORDER BY t.obligation_id, t.at, t.seq`),
  };
}

describe('note events in batches ≡ one at a time', () => {
  const twin = twinDatabases('obligations', 4, createPrisma);

  it('leaves the same obligations, evidence, transitions and events for random note histories', async () => {
    let fulfilments = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const f = fixture();
        const snapshots = Array.from({ length: AGREEMENTS }, () =>
          snapshot(f, {
            obligations: [
              ...obligationsOf(uuid(), 2, '2027-06-15'),
              ...obligationsOf(uuid(), 1, '2027-05-10', 'final_note'),
            ],
          }),
        );
        const run = {
          notes: Array.from({ length: NOTES }, () => crypto.randomBytes(6).toString('hex')),
          agreements: snapshots.map((x) => x.agreementId),
        };
        const before = s.before.map((st, i) => eventOf(run, st, i));
        const main = s.main.map((st, i) => eventOf(run, st, 100 + i));
        for (const [k, prisma] of twin.clients.entries()) {
          for (const sn of snapshots)
            await transaction(prisma, (tx) => reconcileAgreement(tx, sn, clock, false), 60_000);
          await oneByOne(prisma, before);
          for (const w of s.waive)
            await twin.pools[k]!.query(
              `UPDATE obligation SET status = 'waived' WHERE id = $1 AND status IN ('upcoming', 'due_soon', 'overdue', 'evidence_withdrawn')`,
              [snapshots[w.a]!.obligations[w.o]!.id],
            );
        }
        const [one, many] = twin.clients;
        const failedOne = await oneByOne(one, main);
        const failedMany = await batched(many, main, s.cuts);
        const [a, b] = await Promise.all(twin.pools.map((p) => stateOf(p, run.agreements)));
        expect(b).toEqual(a);
        expect(failedMany).toEqual(failedOne);
        fulfilments += (a as { transitions: Array<{ to_status: string }> }).transitions.filter(
          (t) => t.to_status === 'fulfilled',
        ).length;
      }),
      { numRuns: 60 },
    );
    expect(fulfilments).toBeGreaterThan(30); // the histories did fulfil obligations
  });
});
