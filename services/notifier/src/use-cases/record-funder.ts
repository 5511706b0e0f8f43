import type { EventData } from '@pc/contracts';
import type { SqlTx } from '@pc/bus';
import { normalizeEmail } from '../domain/ids';
import { lastPerKey } from '../domain/snapshot-order';
import { upsertFunders } from '../adapters/directory-store';

/** funder.registered.v1: each funder's name, language and report recipients (copied on escalations); the last event wins. */
export async function recordFunders(
  tx: SqlTx,
  events: ReadonlyArray<EventData<'funder.registered.v1'>>,
): Promise<void> {
  await upsertFunders(
    tx,
    lastPerKey(events, (d) => d.funderId).map((d) => ({
      id: d.funderId,
      name: d.name,
      locale: d.locale,
      reportRecipients: d.reportRecipients.map(normalizeEmail),
    })),
  );
}
