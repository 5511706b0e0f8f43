import type { SqlTx } from '@pc/bus';
import type { EventData } from '@pc/contracts';
import type { PersonRequestStore } from '../adapters/person-request-store';

/**
 * A service answered a Law 25 request. When every expected service has, the request is complete;
 * for an erasure the edge then purges its published outbox copies of the request (the event that
 * carried the email has been delivered by now) and forgets the email.
 */
export async function recordPersonAnswer(
  people: PersonRequestStore,
  tx: SqlTx,
  a: EventData<'person.data_exported.v1'> | EventData<'person.erased.v1'>,
  /** the envelope's `source`: the service whose outbox published the answer */
  source: string,
): Promise<'done' | 'skipped'> {
  const r = await people.find(tx, a.requestId, true);
  // The answer counts for the service that sent it, not for whichever one its payload names: one
  // service cannot complete (and so close) another's part of an erasure.
  if (!r || a.service !== source || !r.expected.includes(source)) return 'skipped';
  await people.answer(tx, a.requestId, {
    service: a.service,
    ...('counts' in a ? { counts: a.counts } : { parts: a.parts }),
  });
  const answered = new Set((await people.answers(tx, a.requestId)).map((x) => x.service));
  if (r.completedAt || !r.expected.every((s) => answered.has(s))) return 'done';
  if (r.kind === 'erasure' && r.email) await people.erase(tx, r.email, r.emailPseudonym, r.id);
  await people.complete(tx, r.id);
  return 'done';
}
