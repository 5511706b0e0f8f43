/**
 * Reminder outcomes in one statement per batch end where one report at a time ends: per (reminder,
 * contact) the latest report wins, of two at the same millisecond the later one, an older report
 * arriving late changes nothing. Random report sequences (few keys, few instants, so ties and late
 * reports are common) are applied to one database one per transaction and to another in random
 * batches; the delivery rows must be identical.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import type pg from 'pg';
import { pgTransact } from '@pc/bus';
import type { Envelope } from '@pc/contracts';
import { twinDatabases } from '@pc/testkit';
import { recordReminderOutcomes, type OutcomeItem } from '../src/use-cases/record-reminder-outcomes';

jest.setTimeout(300_000);

// Instants 0.4 ms apart: some differ only below the column's millisecond.
const AT = [
  '2027-06-01T10:00:00.000Z',
  '2027-06-01T10:00:00.0004Z',
  '2027-06-01T10:00:00.001Z',
  '2027-06-01T10:00:01Z',
];

const reportArb = fc.record({
  key: fc.nat(2),
  sent: fc.boolean(),
  at: fc.nat(AT.length - 1),
  permanent: fc.boolean(),
  n: fc.nat(99),
});
type Report = { key: number; sent: boolean; at: number; permanent: boolean; n: number };

function itemOf(keys: Array<{ reminderId: string; obligationId: string }>, r: Report): OutcomeItem {
  const k = keys[r.key]!;
  const base = {
    reminderId: k.reminderId,
    runId: k.reminderId,
    obligationId: k.obligationId,
    funderId: k.obligationId,
  };
  const common = { stageKey: 'D-7', contactRef: `ref-${r.key}` };
  const envelope = {
    specversion: '1.0',
    id: crypto.randomUUID(),
    source: 'notifier',
    time: AT[r.at]!,
    datacontenttype: 'application/json',
    ...(r.sent
      ? {
          type: 'reminder.sent.v1',
          data: { ...base, ...common, messageId: `<m${r.n}@test>`, sentAt: AT[r.at]! },
        }
      : {
          type: 'reminder.failed.v1',
          data: {
            ...base,
            ...common,
            email: 'a@example.org',
            permanent: r.permanent,
            reason: `550 refus ${r.n}`,
            at: AT[r.at]!,
          },
        }),
  } as Envelope<'reminder.sent.v1' | 'reminder.failed.v1'>;
  return { data: envelope.data, envelope } as OutcomeItem;
}

describe('reminder outcomes in batches ≡ one at a time', () => {
  const twin = twinDatabases('obligations', 2);

  it('leaves the same delivery rows for random report sequences', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(reportArb, { maxLength: 6 }),
        fc.array(reportArb, { minLength: 1, maxLength: 14 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 13 }), { maxLength: 3 }),
        async (before, main, cuts) => {
          const keys = [0, 1, 2].map(() => ({ reminderId: crypto.randomUUID(), obligationId: crypto.randomUUID() }));
          const [one, many] = twin.pools;
          for (const pool of twin.pools)
            for (const r of before) await pgTransact(pool)((tx) => recordReminderOutcomes(tx, [itemOf(keys, r)]));
          const items = main.map((r) => itemOf(keys, r));
          for (const item of items) await pgTransact(one)((tx) => recordReminderOutcomes(tx, [item]));
          const bounds = [0, ...cuts.filter((c) => c < items.length).sort((a, b) => a - b), items.length];
          for (let k = 0; k + 1 < bounds.length; k++) {
            const chunk = items.slice(bounds[k], bounds[k + 1]);
            if (chunk.length > 0) await pgTransact(many)((tx) => recordReminderOutcomes(tx, chunk));
          }
          const rows = (pool: pg.Pool) =>
            pool
              .query(
                `SELECT reminder_id, contact_ref, obligation_id, outcome, message_id, reason, permanent, at
                 FROM reminder_delivery WHERE reminder_id = ANY($1::uuid[]) ORDER BY reminder_id, contact_ref`,
                [keys.map((k) => k.reminderId)],
              )
              .then((r) => r.rows);
          const [a, b] = await Promise.all([rows(one), rows(many)]);
          expect(b).toEqual(a);
          expect(a.length).toBe(new Set([...before, ...main].map((r) => r.key)).size);
        },
      ),
      { numRuns: 80 },
    );
  });
});
