import { enqueue, outboxCopiesOf, pgTx, purgeOutboxCopies, type NewEvent, type SqlTx } from '@pc/bus';
import type pg from 'pg';
import type { ServiceAnswer } from '../domain/person-request';

interface RequestRow {
  id: string;
  kind: string;
  emailPseudonym: string;
  email: string | null;
  expected: string[];
  createdAt: Date;
  completedAt: Date | null;
}

const REQUEST_COLUMNS = `id, kind, email_pseudonym AS "emailPseudonym", email, expected, created_at AS "createdAt",
  completed_at AS "completedAt"`;

/**
 * Law 25 requests and the answers of each service (schema edge). Plain SQL over the service's pool:
 * the request, the edge's own part and the event commit in one transaction.
 */
export class PersonRequestStore {
  constructor(private readonly pool: pg.Pool) {}

  async transact<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(pgTx(client));
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async create(
    tx: SqlTx,
    r: { id: string; kind: string; emailPseudonym: string; email: string; expected: readonly string[] },
    event: NewEvent<'person.export_requested.v1' | 'person.erasure_requested.v1'>,
  ): Promise<Date> {
    const [row] = await tx.$queryRawUnsafe<Array<{ createdAt: Date }>>(
      `INSERT INTO person_request (id, kind, email_pseudonym, email, expected) VALUES ($1::uuid, $2, $3, $4, $5::text[])
       RETURNING created_at AS "createdAt"`,
      r.id,
      r.kind,
      r.emailPseudonym,
      r.email,
      r.expected,
    );
    await enqueue(tx, [event]);
    return row!.createdAt;
  }

  async find(tx: SqlTx, id: string, forUpdate = false): Promise<RequestRow | null> {
    const rows = await tx.$queryRawUnsafe<RequestRow[]>(
      `SELECT ${REQUEST_COLUMNS} FROM person_request WHERE id = $1::uuid ${forUpdate ? 'FOR UPDATE' : ''}`,
      id,
    );
    return rows[0] ?? null;
  }

  async answers(tx: SqlTx, id: string): Promise<ServiceAnswer[]> {
    return tx.$queryRawUnsafe<ServiceAnswer[]>(
      `SELECT service, answered_at AS "answeredAt", counts, parts FROM person_request_answer WHERE request_id = $1::uuid`,
      id,
    );
  }

  /** Records one service's answer; a second answer of the same service (a replay) changes nothing. */
  async answer(tx: SqlTx, id: string, a: { service: string; counts?: Record<string, number>; parts?: unknown[] }) {
    await tx.$executeRawUnsafe(
      `INSERT INTO person_request_answer (request_id, service, counts, parts) VALUES ($1::uuid, $2, $3::jsonb, $4::jsonb)
       ON CONFLICT (request_id, service) DO NOTHING`,
      id,
      a.service,
      a.counts ? JSON.stringify(a.counts) : null,
      a.parts ? JSON.stringify(a.parts) : null,
    );
  }

  /** The request is complete: the email is no longer needed. */
  async complete(tx: SqlTx, id: string): Promise<void> {
    await tx.$executeRawUnsafe(
      `UPDATE person_request SET completed_at = now(), email = NULL WHERE id = $1::uuid AND completed_at IS NULL`,
      id,
    );
  }

  /** The edge's own copies of the person: stored responses replayed for an Idempotency-Key. */
  async idempotencyCopies(tx: SqlTx, email: string) {
    return tx.$queryRawUnsafe<Array<{ key: string; status: number | null; createdAt: Date; body: string }>>(
      `SELECT key, status, created_at AS "createdAt", convert_from(body, 'UTF8') AS body FROM idempotency
       WHERE body IS NOT NULL AND position(convert_to($1, 'UTF8') in body) > 0`,
      email,
    );
  }

  async outboxCopies(tx: SqlTx, email: string) {
    return outboxCopiesOf(tx, email);
  }

  /**
   * Erases the edge's copies: idempotency records holding the email, the parts of earlier exports of
   * the same person (they hold what the services held), and the outbox copies.
   */
  async erase(tx: SqlTx, email: string, pseudonym: string, exceptRequest: string): Promise<Record<string, number>> {
    const idem = await tx.$executeRawUnsafe(
      `DELETE FROM idempotency WHERE body IS NOT NULL AND position(convert_to($1, 'UTF8') in body) > 0`,
      email,
    );
    const exports = await tx.$executeRawUnsafe(
      `UPDATE person_request_answer SET parts = '[]'::jsonb WHERE request_id IN (
         SELECT id FROM person_request WHERE email_pseudonym = $1 AND id <> $2::uuid) AND parts IS NOT NULL`,
      pseudonym,
      exceptRequest,
    );
    await tx.$executeRawUnsafe(
      `UPDATE person_request SET email = NULL WHERE email_pseudonym = $1 AND id <> $2::uuid`,
      pseudonym,
      exceptRequest,
    );
    const outbox = await purgeOutboxCopies(tx, email, pseudonym);
    return {
      idempotencyRecords: idem,
      exportParts: exports,
      outboxDeleted: outbox.deleted,
      outboxRewritten: outbox.rewritten,
    };
  }
}
