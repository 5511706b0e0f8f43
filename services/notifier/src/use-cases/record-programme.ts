import type { EventData } from '@pc/contracts';
import type { SqlTx } from '@pc/bus';
import { lastPerKey } from '../domain/snapshot-order';
import { upsertProgrammes } from '../adapters/directory-store';

/** programme.registered.v1: each programme's code and name, as the emails show them; the last event wins. */
export async function recordProgrammes(
  tx: SqlTx,
  events: ReadonlyArray<EventData<'programme.registered.v1'>>,
): Promise<void> {
  await upsertProgrammes(
    tx,
    lastPerKey(events, (d) => d.programmeId).map((d) => ({
      id: d.programmeId,
      funderId: d.funderId,
      code: d.code,
      name: d.name,
    })),
  );
}
