import type { PersonDataPort, SqlTx } from '@pc/bus';

/**
 * Law 25 in the praxis-connector: no table of its schema holds a person (programmes, agreements
 * without their contacts, feeds and public Praxis notes, sync runs). What can hold one is a message
 * of `praxis-connector.agreements` that failed: an agreement snapshot names its contacts (email and
 * name) and may wait in `<queue>.dlq` until an operator looks. `personHandlers` removes those (its
 * dead-letter purge) and its outbox copies; this port has no rows to list or erase, and says so.
 */
export const connectorPersonData: PersonDataPort<SqlTx> = {
  exportOf: () => Promise.resolve([]),
  erase: () => Promise.resolve({ counts: {}, names: [] }),
};
