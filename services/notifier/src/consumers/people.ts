import { pgTransact, personHandlers, QUEUES, type ServiceRuntime } from '@pc/bus';
import { keyedPseudonym } from '@pc/service-kit';
import { notifierPersonData } from '../adapters/person-data-store';

/** Queue notifier.people: Law 25 export and erasure requests (directory, ledger, preferences). */
export async function startPeopleConsumer(runtime: ServiceRuntime, pseudonymKey: string): Promise<void> {
  await runtime.consume({
    queue: QUEUES.notifierPeople,
    transact: pgTransact(runtime.pool),
    on: personHandlers(
      'notifier',
      notifierPersonData,
      (e) => keyedPseudonym(pseudonymKey, e),
      (values) => runtime.purgeDeadLetters(values),
    ),
    afterCommit: () => runtime.relay.kick(),
  });
}
