import { pgTransact, personHandlers, QUEUES, type ServiceRuntime } from '@pc/bus';
import { keyedPseudonym } from '@pc/service-kit';
import { connectorPersonData } from '../adapters/person-data-store';

/** Queue praxis-connector.people: Law 25 requests; an erasure removes the dead letters that name the person. */
export async function startPeopleConsumer(runtime: ServiceRuntime, pseudonymKey: string): Promise<void> {
  await runtime.consume({
    queue: QUEUES.connectorPeople,
    transact: pgTransact(runtime.pool),
    on: personHandlers(
      'praxis-connector',
      connectorPersonData,
      (e) => keyedPseudonym(pseudonymKey, e),
      (values) => runtime.purgeDeadLetters(values),
    ),
    afterCommit: () => runtime.relay.kick(),
  });
}
