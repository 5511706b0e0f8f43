import type { EventData } from '@pc/contracts';
import type { HandlerResult, SqlTx } from '@pc/bus';
import { recordRunClose } from '../adapters/run-store';
import { buildDigests, type DigestDeps } from './build-digests';

/**
 * reminder.run_closed.v1: records the run and how many stages it announced, then builds its digests
 * when they are all here. Stages may still be in flight (they share the queue and are handled
 * concurrently): then the handler whose stage completes the run builds them, and the sweeper catches a
 * race between the two. Nothing waits on bus retries, so a slow run never reaches the dead-letter queue.
 */
export async function closeRun(
  tx: SqlTx,
  d: EventData<'reminder.run_closed.v1'>,
  deps: DigestDeps,
): Promise<HandlerResult> {
  await recordRunClose(tx, d.runId, d.reminders, d.asOf);
  await buildDigests(tx, d.runId, deps);
  return 'done';
}
