import type { BatchHandler, SqlTx } from '@pc/bus';
import { saveObligationStatuses } from '../adapters/agreement-store';

/**
 * Read model of obligation statuses (the obligations service owns the life cycle): applies
 * obligation.transitioned.v1 unless a newer state is already recorded, so a redelivered or
 * reordered event never moves the status backwards. A due date that differs from the derived one
 * (an extension) is kept beside it. A burst (an import's 40,000 first transitions) is applied in one
 * statement per batch, ending as applying the events one by one in delivery order would.
 */
export const recordObligationStatuses: BatchHandler<'obligation.transitioned.v1', SqlTx> = async (items, tx) => {
  await saveObligationStatuses(
    tx,
    items.map(({ data }) => data),
  );
};
