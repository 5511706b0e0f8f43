import { pgTransact, personHandlers, QUEUES, type ServiceRuntime } from '@pc/bus';
import { keyedPseudonym } from '@pc/service-kit';
import { obligationsPersonData } from '../adapters/person-data-store';

/** Queue obligations.people: Law 25 export and erasure requests (agreement snapshots, delivery reports). */
export async function startPeopleConsumer(runtime: ServiceRuntime, pseudonymKey: string): Promise<void> {
  await runtime.consume({
    queue: QUEUES.obligationsPeople,
    transact: pgTransact(runtime.pool),
    on: personHandlers(
      'obligations',
      obligationsPersonData,
      (e) => keyedPseudonym(pseudonymKey, e),
      (values) => runtime.purgeDeadLetters(values),
    ),
    afterCommit: () => runtime.relay.kick(),
  });
}
