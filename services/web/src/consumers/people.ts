import { QUEUES, type ServiceRuntime } from '@pc/bus';
import { webPersonData } from '../adapters/person-data-store';

/** Queue web.people: Law 25 export and erasure requests (members, sign-in links, sessions, calendars, languages). */
export async function startPeopleConsumer(runtime: ServiceRuntime, pseudonymKey: string): Promise<void> {
  await runtime.consumePeople({ queue: QUEUES.webPeople, port: webPersonData, pseudonymKey });
}
