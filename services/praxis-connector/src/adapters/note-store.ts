import type pg from 'pg';
import type { SqlTx } from '@pc/bus';

/**
 * Notes the connector verified (table `note`: evidence kept even after the page disappears) and
 * their matches to agreements (`note_match`). Plain SQL: discovery and re-verification write
 * thousands of notes per run in one statement each (`unnest`), never a row at a time.
 */
export interface NoteWrite {
  id: string;
  url: string;
  title: string;
  textSha256: string;
  publishedOn: string | null;
  publishedSource: string;
  feedPublishedOn: string | null;
  firstSeenAt: Date;
  verifiedAt: Date;
}
/** A stored note: what discovery wrote, and what re-verification keeps up to date. */
export interface NoteRow extends NoteWrite {
  lastCheckedAt: Date;
  state: string;
}
export interface NoteMatchPair {
  noteId: string;
  agreementId: string;
}
/** The outcome of one re-verification, as stored on the note. */
export interface NoteCheck {
  id: string;
  state: 'public' | 'withdrawn';
  reason: string | null;
  status: number | null;
  title: string | null;
  sha: string | null;
  verified: boolean;
}

const NOTE_COLUMNS = `id, url, title, text_sha256 AS "textSha256", published_on AS "publishedOn", published_source AS "publishedSource",
  feed_published_on AS "feedPublishedOn", first_seen_at AS "firstSeenAt", verified_at AS "verifiedAt", last_checked_at AS "lastCheckedAt", state`;

export async function noteByUrl(pool: pg.Pool, url: string): Promise<NoteRow | null> {
  const { rows } = await pool.query<NoteRow>(`SELECT ${NOTE_COLUMNS} FROM note WHERE url = $1`, [url]);
  return rows[0] ?? null;
}

/** Which of `ids` are notes matched to an agreement (re-verification will check them). */
export async function matchedNoteIds(pool: pg.Pool, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await pool.query<{ id: string }>(
    'SELECT DISTINCT note_id AS id FROM note_match WHERE note_id = ANY($1::text[])',
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** Upserts notes (keeping the earliest first-seen and a feed date once known). */
export async function upsertNotes(tx: SqlTx, notes: NoteWrite[]): Promise<void> {
  if (notes.length === 0) return;
  const col = <K extends keyof NoteWrite>(k: K): NoteWrite[K][] => notes.map((n) => n[k]);
  await tx.$executeRawUnsafe(
    `INSERT INTO note (id, url, title, text_sha256, published_on, published_source, feed_published_on, first_seen_at, verified_at, last_checked_at, state)
     SELECT u.id, u.url, u.title, u.sha, u.pub, u.src, u.feedpub, u.first, u.verified, u.verified, 'public'
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[])
       AS u(id, url, title, sha, pub, src, feedpub, first, verified)
     ON CONFLICT (id) DO UPDATE SET
       title = EXCLUDED.title, text_sha256 = EXCLUDED.text_sha256,
       feed_published_on = COALESCE(note.feed_published_on, EXCLUDED.feed_published_on),
       published_on = CASE WHEN note.feed_published_on IS NOT NULL THEN note.published_on
                           WHEN EXCLUDED.published_source = 'first_seen' AND note.published_on IS NOT NULL THEN note.published_on
                           ELSE EXCLUDED.published_on END,
       published_source = CASE WHEN note.feed_published_on IS NOT NULL THEN note.published_source
                           WHEN EXCLUDED.published_source = 'first_seen' AND note.published_on IS NOT NULL THEN note.published_source
                           ELSE EXCLUDED.published_source END,
       first_seen_at = LEAST(note.first_seen_at, EXCLUDED.first_seen_at),
       verified_at = EXCLUDED.verified_at, last_checked_at = EXCLUDED.verified_at`,
    col('id'),
    col('url'),
    col('title'),
    col('textSha256'),
    col('publishedOn'),
    col('publishedSource'),
    col('feedPublishedOn'),
    col('firstSeenAt'),
    col('verifiedAt'),
  );
}

/** Inserts matches; returns the (note, agreement) pairs that are new. */
export async function addMatches(
  tx: SqlTx,
  pairs: NoteMatchPair[],
  source: 'feed' | 'declared',
): Promise<NoteMatchPair[]> {
  if (pairs.length === 0) return [];
  return tx.$queryRawUnsafe<NoteMatchPair[]>(
    `INSERT INTO note_match (note_id, agreement_id, source) SELECT u.n, u.a, $3 FROM unnest($1::text[], $2::uuid[]) AS u(n, a)
     ON CONFLICT DO NOTHING RETURNING note_id AS "noteId", agreement_id AS "agreementId"`,
    pairs.map((p) => p.noteId),
    pairs.map((p) => p.agreementId),
    source,
  );
}

/**
 * Matched notes to re-verify, in pages (keyset on id): those checked before `checkedBefore`. Withdrawn
 * notes too follow the cycle (one that came back is restored at its next check): a deleted note must
 * not cost a request on every run for ever.
 */
export async function matchedNotesPage(
  pool: pg.Pool,
  afterId: string,
  limit: number,
  checkedBefore: Date,
): Promise<Array<NoteRow & { agreementIds: string[] }>> {
  const { rows } = await pool.query<NoteRow & { agreementIds: string[] }>(
    `SELECT n.id, n.url, n.title, n.text_sha256 AS "textSha256", n.published_on AS "publishedOn", n.published_source AS "publishedSource",
            n.feed_published_on AS "feedPublishedOn", n.first_seen_at AS "firstSeenAt", n.verified_at AS "verifiedAt",
            n.last_checked_at AS "lastCheckedAt", n.state,
            array_agg(m.agreement_id::text ORDER BY m.agreement_id) AS "agreementIds"
     FROM note n JOIN note_match m ON m.note_id = n.id
     WHERE n.id > $1 AND n.last_checked_at < $3
     GROUP BY n.id ORDER BY n.id LIMIT $2`,
    [afterId, limit, checkedBefore],
  );
  return rows;
}

/**
 * Records a page of re-verifications in one statement. A withdrawal keeps its first reason and time
 * while the note stays withdrawn; a note public again clears them.
 */
export async function recordChecks(tx: SqlTx, checks: NoteCheck[]): Promise<void> {
  await tx.$executeRawUnsafe(
    `UPDATE note n SET last_checked_at = now(), state = u.state, http_status = u.status,
       withdrawn_reason = CASE WHEN u.state = 'withdrawn' THEN COALESCE(n.withdrawn_reason, u.reason) ELSE NULL END,
       withdrawn_at = CASE WHEN u.state = 'withdrawn' THEN COALESCE(n.withdrawn_at, now()) ELSE NULL END,
       title = COALESCE(u.title, n.title), text_sha256 = COALESCE(u.sha, n.text_sha256),
       verified_at = CASE WHEN u.verified THEN now() ELSE n.verified_at END
     FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::bool[]) AS u(id, state, reason, status, title, sha, verified)
     WHERE n.id = u.id`,
    checks.map((u) => u.id),
    checks.map((u) => u.state),
    checks.map((u) => u.reason),
    checks.map((u) => u.status),
    checks.map((u) => u.title),
    checks.map((u) => u.sha),
    checks.map((u) => u.verified),
  );
}
