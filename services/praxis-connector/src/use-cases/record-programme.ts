import type { EventData } from '@pc/contracts';
import type { SqlTx } from '@pc/bus';
import { saveProgrammes } from '../adapters/programme-store';

/** programme.registered.v1: each programme's feeds, where discovery looks for notes; of a batch, the last event of a programme wins. */
export async function recordProgrammes(
  tx: SqlTx,
  events: ReadonlyArray<EventData<'programme.registered.v1'>>,
): Promise<void> {
  const last = new Map(events.map((d) => [d.programmeId, d]));
  await saveProgrammes(
    tx,
    [...last.values()].map((d) => ({ id: d.programmeId, funderId: d.funderId, code: d.code, feeds: d.praxisFeeds })),
  );
}
