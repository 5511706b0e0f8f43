import { enqueue, type SqlTx } from './outbox';

/**
 * Law 25: the outbox copies of a person's data. Published rows (kept 24 h for replays) that hold
 * the email are deleted; rows not yet published must still reach their consumers, so the email and
 * names in them are replaced by the person's pseudonym instead (nobody may learn them after the
 * erasure anyway). `values` are the email first, then any names to replace.
 */
export async function purgeOutboxCopies(
  tx: SqlTx,
  email: string,
  pseudonym: string,
  names: readonly string[] = [],
): Promise<{ deleted: number; rewritten: number }> {
  const pattern = `%${likeEscape(email)}%`;
  const deleted = await tx.$executeRawUnsafe(
    `DELETE FROM outbox WHERE published_at IS NOT NULL AND data::text ILIKE $1`,
    pattern,
  );
  const rows = await tx.$queryRawUnsafe<Array<{ id: string; data: string }>>(
    `SELECT id, data::text AS data FROM outbox WHERE published_at IS NULL AND data::text ILIKE $1 FOR UPDATE`,
    pattern,
  );
  for (const r of rows) {
    let text = replaceAllCi(r.data, jsonInner(email), pseudonym);
    for (const n of names) if (n.trim()) text = replaceAllCi(text, jsonInner(n), pseudonym);
    await tx.$executeRawUnsafe(`UPDATE outbox SET data = $2::jsonb WHERE id = $1::uuid`, r.id, text);
  }
  return { deleted, rewritten: rows.length };
}

/** Rows of published outbox events holding the email, for an export (what the service told others). */
export async function outboxCopiesOf(
  tx: SqlTx,
  email: string,
): Promise<Array<{ type: string; created_at: string; published_at: string | null; data: unknown }>> {
  return tx.$queryRawUnsafe(
    `SELECT type, created_at, published_at, data FROM outbox WHERE data::text ILIKE $1 ORDER BY created_at`,
    `%${likeEscape(email)}%`,
  );
}

const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);
/** A string as it appears inside a JSON string literal. */
const jsonInner = (s: string): string => JSON.stringify(s).slice(1, -1);
function replaceAllCi(text: string, needle: string, by: string): string {
  if (!needle) return text;
  return text.replace(new RegExp(needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), by);
}

/** One kind of row a service holds about a person, for an export. */
export interface PersonPart {
  kind: string;
  description: string;
  rows: Array<Record<string, unknown>>;
}

/** One kind of row an export reads: a query with the email as `$1`. */
export interface PersonQuery {
  kind: string;
  description: string;
  sql: string;
}

/** The parts of an export that are plain queries of the email, in the order given. */
export async function queryParts(tx: SqlTx, queries: readonly PersonQuery[], email: string): Promise<PersonPart[]> {
  const parts: PersonPart[] = [];
  for (const q of queries)
    parts.push({
      kind: q.kind,
      description: q.description,
      rows: await tx.$queryRawUnsafe<Array<Record<string, unknown>>>(q.sql, email),
    });
  return parts;
}

/** What a service does about one person, inside the consumer's transaction. */
export interface PersonDataPort<Tx extends SqlTx> {
  /**
   * Everything the service holds about the email (outbox copies are added by `personHandlers`);
   * `pseudonym` is the person's keyed pseudonym, which records may name the person by.
   */
  exportOf(tx: Tx, email: string, pseudonym: string): Promise<PersonPart[]>;
  /**
   * Removes the person's rows or replaces them by the pseudonym; returns counts per kind and the
   * names the rows held (so the outbox copies can be rid of them too).
   */
  erase(
    tx: Tx,
    email: string,
    pseudonym: string,
    request: { requestId: string; actor: { kind: 'api_key' | 'system'; id: string } },
  ): Promise<{ counts: Record<string, number>; names: string[] }>;
}

/**
 * The handlers of a service's `<service>.people` queue (Law 25): an export request is answered with
 * the service's parts, an erasure request with its counts, both through the outbox in the same
 * transaction, so an answer is never lost and a redelivery changes nothing (the inbox).
 */
export function personHandlers<Tx extends SqlTx>(
  service: string,
  port: PersonDataPort<Tx>,
  pseudonymOf: (email: string) => string,
  /**
   * Removes the service's dead letters that mention the person (values: the email, then the names)
   * and says how many; `ServiceRuntime.purgeDeadLetters` does it for the service's own queues.
   */
  deadLetters?: (values: string[]) => Promise<number>,
): {
  'person.export_requested.v1': (d: { requestId: string; email: string }, tx: Tx) => Promise<'done'>;
  'person.erasure_requested.v1': (
    d: { requestId: string; email: string; actor: { kind: 'api_key' | 'system'; id: string } },
    tx: Tx,
  ) => Promise<'done'>;
} {
  const norm = (e: string) => e.trim().toLowerCase();
  return {
    'person.export_requested.v1': async (d, tx) => {
      const email = norm(d.email);
      const parts = await port.exportOf(tx, email, pseudonymOf(email));
      const copies = await outboxCopiesOf(tx, email);
      parts.push({
        kind: 'outbox_event',
        description: `Event ${service} sent that names the person (published ones are kept 24 h)`,
        rows: copies.filter((c) => !c.type.startsWith('person.')),
      });
      await enqueue(tx, [
        {
          type: 'person.data_exported.v1',
          subject: d.requestId,
          data: { requestId: d.requestId, service, parts: parts as never, at: new Date().toISOString() },
        },
      ]);
      return 'done';
    },
    'person.erasure_requested.v1': async (d, tx) => {
      const email = norm(d.email);
      const pseudonym = pseudonymOf(email);
      const { counts, names } = await port.erase(tx, email, pseudonym, { requestId: d.requestId, actor: d.actor });
      const outbox = await purgeOutboxCopies(tx, email, pseudonym, names);
      // Before the answer commits: the count goes in it. A redelivered request finds them gone (0).
      const deadLettersRemoved = deadLetters ? await deadLetters([email]) : 0;
      await enqueue(tx, [
        {
          type: 'person.erased.v1',
          subject: d.requestId,
          data: {
            requestId: d.requestId,
            service,
            counts: {
              ...counts,
              outboxDeleted: outbox.deleted,
              outboxRewritten: outbox.rewritten,
              deadLettersRemoved,
            },
            at: new Date().toISOString(),
          },
        },
      ]);
      return 'done';
    },
  };
}
