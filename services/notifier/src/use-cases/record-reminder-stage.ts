import { eventId, type EventData } from '@pc/contracts';
import { enqueue, type SqlTx } from '@pc/bus';
import { normalizeEmail } from '../domain/ids';
import type { ReminderStage } from '../domain/reminder';
import { queueStages, type LedgerEntry } from '../adapters/delivery-store';
import { addRunStages, lockClosedRuns } from '../adapters/run-store';
import { buildDigests, type DigestDeps } from './build-digests';

type Due = EventData<'reminder.due.v1'>;

/**
 * reminder.due.v1: records each stage as announced by its run, and one ledger row per contact
 * address. The ledger is keyed by (reminderId, address): a later run announcing the same stage finds
 * the row and adds nothing, so a stage is never sent twice; a row not yet put in a digest (its run
 * never closed) moves to the new run so it is not stranded.
 *
 * An evaluation sends its stages in a burst before its run_closed: consecutive stages of runs not yet
 * closed go in a few multi-row statements (cut where a stage repeats, so each ledger key is written
 * once per statement). A stage of a run already closed (run_closed overtook it) is handled alone, in
 * order, and may complete the run and build its digests, exactly as handling each event by itself.
 */
export async function recordReminderStages(tx: SqlTx, events: readonly Due[], deps: DigestDeps): Promise<void> {
  // Lock closed runs first (same order as the digest builder: run, then ledger rows).
  const closed = await lockClosedRuns(tx, [...new Set(events.map((e) => e.runId))]);
  let together: Due[] = [];
  const reminders = new Set<string>();
  const flush = async (): Promise<void> => {
    await queueAll(tx, together, deps);
    together = [];
    reminders.clear();
  };
  for (const e of events) {
    if (closed.has(e.runId)) {
      await flush();
      await queueAll(tx, [e], deps);
      // The stage that completes an already-closed run builds its digests.
      await buildDigests(tx, e.runId, deps);
      continue;
    }
    if (reminders.has(e.reminderId)) await flush();
    together.push(e);
    reminders.add(e.reminderId);
  }
  await flush();
}

/** Stages with distinct reminder ids: run_stage, ledger rows, and a permanent failure for each stage nobody can receive. */
async function queueAll(tx: SqlTx, events: readonly Due[], deps: DigestDeps): Promise<void> {
  if (events.length === 0) return;
  await addRunStages(tx, events);
  const entries: LedgerEntry[] = [];
  const unreachable: ReminderStage[] = [];
  for (const { contacts, ...stage } of events) {
    const seen = new Set<string>();
    const rows = contacts
      .map((c) => ({ email: normalizeEmail(c.email), name: c.name, locale: c.locale }))
      .filter((c) => c.email.includes('@') && (seen.has(c.email) ? false : (seen.add(c.email), true)));
    if (rows.length === 0) unreachable.push(stage);
    for (const r of rows) entries.push({ ...r, stage, id: eventId('ledger', stage.reminderId, r.email) });
  }
  await queueStages(tx, entries);
  // Nobody to write to: the funder's report must show it rather than a silent gap.
  await enqueue(
    tx,
    unreachable.map((stage) => ({
      type: 'reminder.failed.v1' as const,
      id: eventId('reminder.failed', stage.reminderId, 'no-contact'),
      subject: stage.obligation.id,
      data: {
        reminderId: stage.reminderId,
        runId: stage.runId,
        obligationId: stage.obligation.id,
        funderId: stage.agreement.funderId,
        stageKey: stage.stage.key,
        contactRef: '',
        email: '',
        permanent: true,
        reason: 'the agreement has no contact address',
        at: deps.clock().toISOString(),
      },
    })),
  );
}
