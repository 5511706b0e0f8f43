import { personHandlers, QUEUES, type ServiceRuntime } from '@pc/bus';
import { keyedPseudonym } from '@pc/service-kit';
import { auditedTransact } from '../adapters/audit-store';
import { reportsPersonData } from '../adapters/person-data-store';

/** Queue reports.people: Law 25 export and erasure requests (failing contacts; the erasure's audit entries). */
export async function startPeopleConsumer(runtime: ServiceRuntime, pseudonymKey: string): Promise<void> {
  await runtime.consume({
    queue: QUEUES.reportsPeople,
    transact: auditedTransact(runtime.pool),
    on: personHandlers(
      'reports',
      reportsPersonData,
      (e) => keyedPseudonym(pseudonymKey, e),
      (values) => runtime.purgeDeadLetters(values),
    ),
    afterCommit: () => runtime.relay.kick(),
  });
}
