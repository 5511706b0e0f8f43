import crypto from 'node:crypto';
import { fieldError, invalid, keyedPseudonym, requireRole, type Principal } from '@pc/service-kit';
import type { PersonRequestStore } from '../adapters/person-request-store';
import {
  isEmail,
  normaliseEmail,
  PERSONAL_DATA_HOLDERS,
  viewOfRequest,
  type PersonRequestKind,
} from '../domain/person-request';

/**
 * An admin asks for the export or the erasure of everything held about one email (Law 25). The
 * request, the edge's own part and the event every holder consumes commit together; each holder
 * answers through the bus, so one that is down answers when it comes back.
 */
export async function requestPersonData(
  deps: {
    people: PersonRequestStore;
    pseudonymKey: string;
    kick: () => void;
    /** removes the edge's dead letters that mention the email (an export's answer names the person) */
    purgeDeadLetters: (values: string[]) => Promise<number>;
  },
  p: Principal,
  input: { kind: PersonRequestKind; email: string },
) {
  requireRole(p, 'admin');
  const email = normaliseEmail(input.email);
  if (!isEmail(email))
    throw invalid([fieldError('body.email', { en: 'must be an email address', fr: 'doit être une adresse courriel' })]);
  const id = crypto.randomUUID();
  const pseudonym = keyedPseudonym(deps.pseudonymKey, email);
  const actor = { kind: 'api_key' as const, id: p.keyId };
  const view = await deps.people.transact(async (tx) => {
    let own: { counts?: Record<string, number>; parts?: unknown[] };
    if (input.kind === 'erasure') {
      // Before the request's own event is enqueued: the purge must not rewrite the event that carries the email.
      const counts = await deps.people.erase(tx, email, pseudonym, id);
      own = { counts: { ...counts, deadLettersRemoved: await deps.purgeDeadLetters([email]) } };
    } else {
      own = {
        parts: [
          {
            kind: 'idempotency_record',
            description: 'Stored response of a request replayed with the same Idempotency-Key (kept 24 h)',
            rows: await deps.people.idempotencyCopies(tx, email),
          },
          {
            kind: 'outbox_event',
            description: 'Event the edge published that names the person (kept 24 h after publication)',
            rows: await deps.people.outboxCopies(tx, email),
          },
        ],
      };
    }
    const createdAt = await deps.people.create(
      tx,
      { id, kind: input.kind, emailPseudonym: pseudonym, email, expected: PERSONAL_DATA_HOLDERS },
      {
        type: input.kind === 'export' ? 'person.export_requested.v1' : 'person.erasure_requested.v1',
        subject: id,
        data: { requestId: id, email, actor },
      },
    );
    await deps.people.answer(tx, id, { service: 'edge', ...own });
    return viewOfRequest(
      { id, kind: input.kind, createdAt, completedAt: null, expected: [...PERSONAL_DATA_HOLDERS] },
      await deps.people.answers(tx, id),
    );
  });
  deps.kick();
  return view;
}
