import { pgTransact, personHandlers, QUEUES, type ServiceRuntime } from '@pc/bus';
import { keyedPseudonym } from '@pc/service-kit';
import { webPersonData } from '../adapters/person-data-store';

/** Queue web.people: Law 25 export and erasure requests (members, sign-in links, sessions, calendars, languages). */
export async function startPeopleConsumer(runtime: ServiceRuntime, pseudonymKey: string): Promise<void> {
  await runtime.consume({
    queue: QUEUES.webPeople,
    transact: pgTransact(runtime.pool),
    on: personHandlers(
      'web',
      webPersonData,
      (e) => keyedPseudonym(pseudonymKey, e),
      (values) => runtime.purgeDeadLetters(values),
    ),
    afterCommit: () => runtime.relay.kick(),
  });
}
