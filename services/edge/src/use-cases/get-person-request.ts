import { notFound, requireRole, type Principal } from '@pc/service-kit';
import type { PersonRequestStore } from '../adapters/person-request-store';
import { viewOfRequest } from '../domain/person-request';

/** An admin reads a Law 25 request: each service's answer, and the whole export once complete. */
export async function getPersonRequest(deps: { people: PersonRequestStore }, p: Principal, id: string) {
  requireRole(p, 'admin');
  return deps.people.transact(async (tx) => {
    const r = await deps.people.find(tx, id);
    if (!r) throw notFound('person request', 'demande');
    return viewOfRequest(r, await deps.people.answers(tx, id));
  });
}
