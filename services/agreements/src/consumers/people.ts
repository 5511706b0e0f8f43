import { QUEUES, type ServiceRuntime } from '@pc/bus';
import { agreementsPersonData } from '../adapters/person-data-store';

/** Queue agreements.people: Law 25 export and erasure requests (the contacts of agreements). */
export async function startPeopleConsumer(runtime: ServiceRuntime, pseudonymKey: string): Promise<void> {
  await runtime.consumePeople({ queue: QUEUES.agreementsPeople, port: agreementsPersonData, pseudonymKey });
}
