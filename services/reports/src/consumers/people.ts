import { QUEUES, type ServiceRuntime } from '@pc/bus';
import { auditedTransact } from '../adapters/audit-store';
import { reportsPersonData } from '../adapters/person-data-store';

/** Queue reports.people: Law 25 export and erasure requests (failing contacts; the erasure's audit entries). */
export async function startPeopleConsumer(runtime: ServiceRuntime, pseudonymKey: string): Promise<void> {
  await runtime.consumePeople({
    queue: QUEUES.reportsPeople,
    port: reportsPersonData,
    pseudonymKey,
    transact: auditedTransact(runtime.pool),
  });
}
