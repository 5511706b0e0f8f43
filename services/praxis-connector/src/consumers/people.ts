import { QUEUES, type ServiceRuntime } from '@pc/bus';
import { connectorPersonData } from '../adapters/person-data-store';

/** Queue praxis-connector.people: Law 25 requests; an erasure removes the dead letters that name the person. */
export async function startPeopleConsumer(runtime: ServiceRuntime, pseudonymKey: string): Promise<void> {
  await runtime.consumePeople({ queue: QUEUES.connectorPeople, port: connectorPersonData, pseudonymKey });
}
