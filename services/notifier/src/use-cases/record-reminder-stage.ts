import { eventId, type EventData } from '@pc/contracts';
import { enqueue, type HandlerResult, type SqlTx } from '@pc/bus';
import { normalizeEmail } from '../domain/ids';
import { queueStage } from '../adapters/delivery-store';
import { addRunStage, lockRun } from '../adapters/run-store';
import { buildDigests, type DigestDeps } from './build-digests';

/**
 * reminder.due.v1: records the stage as announced by the run, and one ledger row per contact address.
 * The ledger is keyed by (reminderId, address): a later run announcing the same stage finds the row
 * and adds nothing, so a stage is never sent twice; a row not yet put in a digest (its run never
 * closed) moves to the new run so it is not stranded.
 */
export async function recordReminderStage(
  tx: SqlTx,
  d: EventData<'reminder.due.v1'>,
  deps: DigestDeps,
): Promise<HandlerResult> {
  const { contacts, ...stage } = d;
  // Lock a closed run first (same order as the digest builder: run, then ledger rows).
  const closed = (await lockRun(tx, stage.runId)) !== null;
  await addRunStage(tx, stage.runId, stage.reminderId);
  const seen = new Set<string>();
  const rows = contacts
    .map((c) => ({ email: normalizeEmail(c.email), name: c.name, locale: c.locale }))
    .filter((c) => c.email.includes('@') && (seen.has(c.email) ? false : (seen.add(c.email), true)));
  if (rows.length > 0)
    await queueStage(
      tx,
      stage,
      rows.map((r) => ({ ...r, id: eventId('ledger', stage.reminderId, r.email) })),
    );
  if (rows.length === 0) {
    // Nobody to write to: the funder's report must show it rather than a silent gap.
    await enqueue(tx, [
      {
        type: 'reminder.failed.v1',
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
      },
    ]);
  }
  // The stage that completes an already-closed run builds its digests.
  if (closed) await buildDigests(tx, stage.runId, deps);
  return 'done';
}
