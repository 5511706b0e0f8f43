import { QUEUES, type ServiceRuntime } from '@pc/bus';
import { notifierPersonData } from '../adapters/person-data-store';

/** Queue notifier.people: Law 25 export and erasure requests (directory, ledger, preferences). */
export async function startPeopleConsumer(runtime: ServiceRuntime, pseudonymKey: string): Promise<void> {
  await runtime.consumePeople({ queue: QUEUES.notifierPeople, port: notifierPersonData, pseudonymKey });
}
