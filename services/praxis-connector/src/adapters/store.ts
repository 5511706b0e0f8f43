import type pg from 'pg';
import { enqueue, pgTransact, type NewEvent } from '@pc/bus';

/**
 * Data access for the sync and verification paths. Plain SQL over the service's pool: discovery
 * writes thousands of rows per run, which perf-baselines.md says must be batched (unnest), not
 * written row by row through the ORM. Consumers of the bus use Prisma (adapters/prisma.ts).
 */
export interface ProgrammeRow { id: string; funderId: string; feeds: string[] }
export interface AgreementRow { id: string; funderId: string; referenceCode: string; externalRef: string; startDate: string; status: string }
export interface FeedStateRow { url: string; etag: string | null; lastModified: string | null; items: Record<string, [string, number]> }
export interface NoteRow {
  id: string; url: string; title: string; textSha256: string; publishedOn: string | null; publishedSource: string;
  feedPublishedOn: string | null; firstSeenAt: Date; verifiedAt: Date; lastCheckedAt: Date; state: string;
}
export interface NoteWrite {
  id: string; url: string; title: string; textSha256: string; publishedOn: string | null; publishedSource: string;
  feedPublishedOn: string | null; firstSeenAt: Date; verifiedAt: Date;
}

export class Store {
  constructor(readonly pool: pg.Pool) {}

  async programmes(): Promise<ProgrammeRow[]> {
    const { rows } = await this.pool.query<ProgrammeRow>('SELECT id, funder_id AS "funderId", feeds FROM programme ORDER BY id');
    return rows;
  }

  async activeAgreements(funderIds: string[]): Promise<AgreementRow[]> {
    const { rows } = await this.pool.query<AgreementRow>(
      `SELECT id, funder_id AS "funderId", reference_code AS "referenceCode", external_ref AS "externalRef", start_date AS "startDate", status
       FROM agreement WHERE funder_id = ANY($1::uuid[]) AND status = 'active'`, [funderIds]);
    return rows;
  }

  async agreements(ids: string[]): Promise<AgreementRow[]> {
    const { rows } = await this.pool.query<AgreementRow>(
      `SELECT id, funder_id AS "funderId", reference_code AS "referenceCode", external_ref AS "externalRef", start_date AS "startDate", status
       FROM agreement WHERE id = ANY($1::uuid[])`, [ids]);
    return rows;
  }

  /** Validators only: most polls answer 304 and never need the item cursor. */
  async feedValidators(url: string): Promise<{ etag: string | null; lastModified: string | null }> {
    const { rows } = await this.pool.query<{ etag: string | null; lastModified: string | null }>('SELECT etag, last_modified AS "lastModified" FROM feed_state WHERE url = $1', [url]);
    return rows[0] ?? { etag: null, lastModified: null };
  }

  async feedState(url: string): Promise<FeedStateRow> {
    const { rows } = await this.pool.query<FeedStateRow>('SELECT url, etag, last_modified AS "lastModified", items FROM feed_state WHERE url = $1', [url]);
    return rows[0] ?? { url, etag: null, lastModified: null, items: {} };
  }

  async saveFeedState(s: FeedStateRow, outcome: string, error: string | null): Promise<void> {
    await this.pool.query(
      `INSERT INTO feed_state (url, etag, last_modified, items, last_polled_at, last_outcome, last_error) VALUES ($1, $2, $3, $4, now(), $5, $6)
       ON CONFLICT (url) DO UPDATE SET etag = $2, last_modified = $3, items = $4, last_polled_at = now(), last_outcome = $5, last_error = $6`,
      [s.url, s.etag, s.lastModified, JSON.stringify(s.items), outcome, error]);
  }

  async touchFeed(url: string, outcome: string, error: string | null): Promise<void> {
    await this.pool.query(
      `INSERT INTO feed_state (url, last_polled_at, last_outcome, last_error) VALUES ($1, now(), $2, $3)
       ON CONFLICT (url) DO UPDATE SET last_polled_at = now(), last_outcome = $2, last_error = $3`, [url, outcome, error]);
  }

  async notesById(ids: string[]): Promise<Map<string, NoteRow>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<NoteRow>(`${NOTE_SELECT} WHERE id = ANY($1::text[])`, [ids]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  async noteByUrl(url: string): Promise<NoteRow | null> {
    const { rows } = await this.pool.query<NoteRow>(`${NOTE_SELECT} WHERE url = $1`, [url]);
    return rows[0] ?? null;
  }

  /** Runs `fn` in one transaction; events it enqueues are published iff it commits. */
  tx<T>(fn: (c: pg.PoolClient, emit: (events: NewEvent[]) => Promise<void>) => Promise<T>): Promise<T> {
    return pgTransact(this.pool)((tx) => fn(tx.client, async (events) => { await enqueue(tx, events); }));
  }

  /** Upserts notes (keeping the earliest first-seen and a feed date once known). */
  async upsertNotes(c: pg.PoolClient, notes: NoteWrite[]): Promise<void> {
    if (notes.length === 0) return;
    const col = <K extends keyof NoteWrite>(k: K): NoteWrite[K][] => notes.map((n) => n[k]);
    await c.query(
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
      [col('id'), col('url'), col('title'), col('textSha256'), col('publishedOn'), col('publishedSource'), col('feedPublishedOn'),
        col('firstSeenAt'), col('verifiedAt')]);
  }

  /** Inserts matches; returns the (note, agreement) pairs that are new. */
  async addMatches(c: pg.PoolClient, pairs: Array<{ noteId: string; agreementId: string }>, source: 'feed' | 'declared'): Promise<Array<{ noteId: string; agreementId: string }>> {
    if (pairs.length === 0) return [];
    const { rows } = await c.query<{ noteId: string; agreementId: string }>(
      `INSERT INTO note_match (note_id, agreement_id, source) SELECT u.n, u.a, $3 FROM unnest($1::text[], $2::uuid[]) AS u(n, a)
       ON CONFLICT DO NOTHING RETURNING note_id AS "noteId", agreement_id AS "agreementId"`,
      [pairs.map((p) => p.noteId), pairs.map((p) => p.agreementId), source]);
    return rows;
  }

  /** Matched notes to re-verify, in pages (keyset on id). */
  async matchedNotesPage(afterId: string, limit: number, checkedBefore: Date): Promise<Array<NoteRow & { agreementIds: string[] }>> {
    const { rows } = await this.pool.query<NoteRow & { agreementIds: string[] }>(
      `SELECT n.id, n.url, n.title, n.text_sha256 AS "textSha256", n.published_on AS "publishedOn", n.published_source AS "publishedSource",
              n.feed_published_on AS "feedPublishedOn", n.first_seen_at AS "firstSeenAt", n.verified_at AS "verifiedAt",
              n.last_checked_at AS "lastCheckedAt", n.state,
              array_agg(m.agreement_id::text ORDER BY m.agreement_id) AS "agreementIds"
       FROM note n JOIN note_match m ON m.note_id = n.id
       WHERE n.id > $1 AND (n.last_checked_at < $3 OR n.state = 'withdrawn')
       GROUP BY n.id ORDER BY n.id LIMIT $2`, [afterId, limit, checkedBefore]);
    return rows;
  }
}

const NOTE_SELECT = `SELECT id, url, title, text_sha256 AS "textSha256", published_on AS "publishedOn", published_source AS "publishedSource",
  feed_published_on AS "feedPublishedOn", first_seen_at AS "firstSeenAt", verified_at AS "verifiedAt", last_checked_at AS "lastCheckedAt", state FROM note`;
