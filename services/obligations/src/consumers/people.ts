import { QUEUES, type ServiceRuntime } from '@pc/bus';
import { obligationsPersonData } from '../adapters/person-data-store';

/** Queue obligations.people: Law 25 export and erasure requests (agreement snapshots, delivery reports). */
export async function startPeopleConsumer(runtime: ServiceRuntime, pseudonymKey: string): Promise<void> {
  await runtime.consumePeople({ queue: QUEUES.obligationsPeople, port: obligationsPersonData, pseudonymKey });
}
