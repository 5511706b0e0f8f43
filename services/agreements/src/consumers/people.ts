import { pgTransact, personHandlers, QUEUES, type ServiceRuntime } from '@pc/bus';
import { keyedPseudonym } from '@pc/service-kit';
import { agreementsPersonData } from '../adapters/person-data-store';

/** Queue agreements.people: Law 25 export and erasure requests (the contacts of agreements). */
export async function startPeopleConsumer(runtime: ServiceRuntime, pseudonymKey: string): Promise<void> {
  await runtime.consume({
    queue: QUEUES.agreementsPeople,
    transact: pgTransact(runtime.pool),
    on: personHandlers(
      'agreements',
      agreementsPersonData,
      (e) => keyedPseudonym(pseudonymKey, e),
      (values) => runtime.purgeDeadLetters(values),
    ),
    afterCommit: () => runtime.relay.kick(),
  });
}
