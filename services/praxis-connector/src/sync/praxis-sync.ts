import type { Logger } from '@pc/service-kit';
import type { NewEvent } from '@pc/bus';
import { eventId } from '@pc/contracts';
import type { FeedAdapter, FeedItem } from '../adapters/feed-adapter';
import type { Store, NoteWrite, FeedStateRow } from '../adapters/store';
import { montrealDate } from '../domain/dates';
import { type HostPolicy, noteIdOf } from '../domain/host-policy';
import { sha256 } from '../domain/ids';
import type { NotePages, PageOutcome } from '../domain/page';
import { publicationOf } from '../domain/checks';
import { compact, mentionsCompact, ReferenceIndex } from '../domain/references';

const MAX_FEED_PAGES = 1000;

export interface SyncOptions {
  feedConcurrency: number;
  /** consecutive unavailability failures after which the run stops contacting Praxis */
  outageThreshold: number;
  /** matched notes last checked more recently than this are not fetched again (0 = all) */
  reverifyMinAgeSeconds: number;
}

export type SyncCounts = Record<
  | 'feeds' | 'feedsNotModified' | 'feedsChanged' | 'feedsRefused' | 'feedsFailed' | 'feedsUnavailable'
  | 'items' | 'itemsChanged' | 'itemsDuplicate' | 'itemsIgnored' | 'pagesFetched' | 'pagesNotPublic' | 'pagesInvalid'
  | 'notesMatched' | 'matchesNew' | 'outOfWindow' | 'reverified' | 'withdrawn' | 'restored' | 'unavailable', number>;

const zero = (): SyncCounts => ({
  feeds: 0, feedsNotModified: 0, feedsChanged: 0, feedsRefused: 0, feedsFailed: 0, feedsUnavailable: 0,
  items: 0, itemsChanged: 0, itemsDuplicate: 0, itemsIgnored: 0, pagesFetched: 0, pagesNotPublic: 0, pagesInvalid: 0,
  notesMatched: 0, matchesNew: 0, outOfWindow: 0, reverified: 0, withdrawn: 0, restored: 0, unavailable: 0,
});

export interface SyncResult { counts: SyncCounts; error: string | null }

/** Trips after N consecutive unavailability failures so a down Praxis costs seconds, not a timeout per note. */
class OutageBreaker {
  private consecutive = 0;
  tripped = false;
  constructor(private readonly threshold: number) {}
  record(unavailable: boolean): void {
    if (!unavailable) { this.consecutive = 0; return; }
    if (++this.consecutive >= this.threshold) this.tripped = true;
  }
}

async function pool<T>(items: readonly T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) { const i = next++; await fn(items[i]!); }
  }));
}

/**
 * One praxis_sync run: discovery through every programme feed, then re-verification of every note
 * matched to an agreement. Praxis being unavailable never withdraws anything: the item cursor and the
 * feed validators only advance for what got a definite answer, so the next run catches up.
 */
export class PraxisSync {
  constructor(
    private readonly store: Store,
    private readonly feeds: FeedAdapter,
    private readonly pages: NotePages,
    private readonly policy: HostPolicy,
    private readonly opts: SyncOptions,
    private readonly logger: Logger,
    private readonly kick: () => void,
  ) {}

  async run(jobId: string): Promise<SyncResult> {
    const counts = zero();
    const breaker = new OutageBreaker(this.opts.outageThreshold);
    const cache = new Map<string, Promise<PageOutcome>>();
    const unavailable: string[] = [];
    const page = (url: string): Promise<PageOutcome> => {
      let p = cache.get(url);
      if (!p) {
        p = breaker.tripped
          ? Promise.resolve({ kind: 'unavailable', reason: 'connection', httpStatus: null, message: 'Praxis considered down for this run' } as PageOutcome)
          : this.pages.fetchNote(url).then((o) => {
            counts.pagesFetched++;
            breaker.record(o.kind === 'unavailable');
            return o;
          });
        cache.set(url, p);
      }
      return p;
    };

    // Which funders each feed URL serves: a note in a feed is only matched against the agreements of
    // the funders whose programmes registered that feed.
    const programmes = await this.store.programmes();
    const feedFunders = new Map<string, Set<string>>();
    for (const p of programmes) for (const f of p.feeds) {
      const s = feedFunders.get(f) ?? new Set<string>();
      s.add(p.funderId); feedFunders.set(f, s);
    }
    const funders = [...new Set(programmes.map((p) => p.funderId))];
    const indexes = new Map<string, ReferenceIndex>();
    for (const a of await this.store.activeAgreements(funders)) {
      let idx = indexes.get(a.funderId);
      if (!idx) { idx = new ReferenceIndex(); indexes.set(a.funderId, idx); }
      idx.add({ agreementId: a.id, startDate: a.startDate, code: a.referenceCode, kind: 'referenceCode' });
      if (a.externalRef) idx.add({ agreementId: a.id, startDate: a.startDate, code: a.externalRef, kind: 'externalRef' });
    }

    await pool([...feedFunders.keys()], this.opts.feedConcurrency, async (url) => {
      counts.feeds++;
      try {
        await this.syncFeed(url, [...feedFunders.get(url)!], indexes, page, (u) => cache.delete(u), counts, breaker, unavailable);
      } catch (err) {
        counts.feedsFailed++;
        this.logger.warn({ feed: url, err: (err as Error).message }, 'feed sync failed');
        unavailable.push(`${url}: ${(err as Error).message}`);
      }
    });

    await this.reverify(page, counts, unavailable);

    const error = unavailable.length > 0
      ? `Praxis indisponible / unavailable: ${Math.max(counts.unavailable, unavailable.length)} request(s) failed; nothing was withdrawn, the next run catches up. First: ${unavailable.slice(0, 3).join(' | ')}`
      : null;
    this.logger.info({ jobId, counts, failed: error !== null }, 'praxis sync finished');
    return { counts, error };
  }

  private async syncFeed(url: string, funderIds: string[], indexes: Map<string, ReferenceIndex>, page: (u: string) => Promise<PageOutcome>,
    forget: (u: string) => void, counts: SyncCounts, breaker: OutageBreaker, unavailable: string[]): Promise<void> {
    if (!this.policy.check(url).allowed) { counts.feedsRefused++; await this.store.touchFeed(url, 'refused', 'feed URL is not on the Praxis host'); return; }
    if (breaker.tripped) { counts.feedsUnavailable++; unavailable.push(`${url}: skipped, Praxis down`); return; }
    const validators = await this.store.feedValidators(url);
    const poll = await this.feeds.poll(url, validators.etag, validators.lastModified);
    breaker.record(poll.kind === 'unavailable');
    if (poll.kind === 'not_modified') { counts.feedsNotModified++; return; }
    if (poll.kind === 'refused') { counts.feedsRefused++; await this.store.touchFeed(url, 'refused', poll.reason); return; }
    if (poll.kind === 'unavailable') {
      counts.feedsUnavailable++; counts.unavailable++;
      unavailable.push(`${url}: ${poll.message}`);
      await this.store.touchFeed(url, 'unavailable', poll.message);
      return;
    }
    if (poll.kind === 'malformed') {
      counts.feedsFailed++;
      this.logger.warn({ feed: url, error: poll.message }, 'feed unreadable');
      await this.store.touchFeed(url, 'malformed', poll.message);
      return;
    }
    counts.feedsChanged++;
    const state = await this.store.feedState(url);
    const now = new Date();
    const nowSec = Math.floor(now.getTime() / 1000);
    const candidates: FeedItem[] = [];
    const seen = new Set<string>();
    let incomplete = false;
    let walkBroken = false;
    // Paged feeds (rel="next", newest first): walk older pages only while every item of the page is
    // new or changed. The first page holding an already-processed item ends the walk, so a change
    // costs one page, not the whole carnet.
    let page1: typeof poll | null = poll;
    let walkedAll = false;
    for (let pages = 1; page1; pages++) {
      const p = page1;
      counts.items += p.items.length;
      counts.itemsDuplicate += p.duplicates;
      let known = false;
      for (const item of p.items) {
        if (seen.has(item.key)) { counts.itemsDuplicate++; continue; }
        seen.add(item.key);
        const prev = state.items[item.key];
        if (prev && prev[0] === item.fingerprint) known = true;
        else candidates.push(item);
      }
      page1 = null;
      if (!p.next) { walkedAll = true; break; }
      if (known || pages >= MAX_FEED_PAGES) break;
      const more = await this.feeds.poll(p.next, null, null);
      breaker.record(more.kind === 'unavailable');
      if (more.kind === 'items') page1 = more;
      else if (more.kind === 'unavailable') { incomplete = walkBroken = true; counts.unavailable++; unavailable.push(`${p.next}: ${more.message}`); }
      else { incomplete = walkBroken = true; this.logger.warn({ feed: p.next, outcome: more.kind }, 'feed page unreadable'); }
    }
    // Cursor: a full walk replaces it (items gone from the feed drop out); a partial walk updates it.
    const nextItems: FeedStateRow['items'] = {};
    for (const [k, v] of Object.entries(state.items)) if (!walkedAll || seen.has(k)) nextItems[k] = v;
    counts.itemsChanged += candidates.length;
    const writes: NoteWrite[] = [];
    const pairs: Array<{ noteId: string; agreementId: string }> = [];

    await Promise.all(candidates.map(async (item) => {
      const firstSeen = state.items[item.key]?.[1] ?? nowSec;
      const link = item.link ? this.policy.check(item.link) : null;
      const noteId = link?.allowed ? noteIdOf(link.url) : null;
      if (!link?.allowed || !noteId) { counts.itemsIgnored++; nextItems[item.key] = [item.fingerprint, firstSeen]; return; }
      const outcome = await page(link.url.toString());
      if (outcome.kind === 'unavailable') {
        incomplete = true; counts.unavailable++;
        if (unavailable.length < 100) unavailable.push(`${link.url.toString()}: ${outcome.message}`);
        // keep the old fingerprint (or none): the item is retried next run
        return;
      }
      nextItems[item.key] = [item.fingerprint, firstSeen];
      if (outcome.kind === 'not_public') { counts.pagesNotPublic++; return; }
      if (outcome.kind !== 'public') { counts.pagesInvalid++; return; }
      const pub = publicationOf(item.publishedOn, outcome.content, montrealDate(new Date(firstSeen * 1000)));
      const hits = new Map<string, true>();
      for (const f of funderIds) {
        for (const t of indexes.get(f)?.find(outcome.content.text) ?? []) {
          if (pub.publishedOn !== null && pub.publishedOn < t.startDate) { counts.outOfWindow++; continue; }
          hits.set(t.agreementId, true);
        }
      }
      // Keep in memory only pages that matched (re-verification reuses them); a million unmatched
      // pages must not stay in the run's cache.
      if (hits.size === 0) { forget(link.url.toString()); return; }
      counts.notesMatched++;
      writes.push({
        id: outcome.noteId, url: outcome.url, title: outcome.content.title, textSha256: sha256(outcome.content.text),
        publishedOn: pub.publishedOn, publishedSource: pub.source, feedPublishedOn: item.publishedOn,
        firstSeenAt: new Date(firstSeen * 1000), verifiedAt: now,
      });
      for (const a of hits.keys()) pairs.push({ noteId: outcome.noteId, agreementId: a });
    }));

    // Notes, matches, their events and the cursor move together: a crash re-processes the feed.
    const byNote = new Map(writes.map((w) => [w.id, w]));
    await this.store.tx(async (c, emit) => {
      await this.store.upsertNotes(c, [...byNote.values()]);
      const fresh = await this.store.addMatches(c, pairs, 'feed');
      counts.matchesNew += fresh.length;
      const grouped = new Map<string, string[]>();
      for (const m of fresh) grouped.set(m.noteId, [...(grouped.get(m.noteId) ?? []), m.agreementId]);
      const events: NewEvent[] = [];
      for (const [noteId, agreementIds] of grouped) {
        const w = byNote.get(noteId)!;
        events.push({
          type: 'praxis.note.verified.v1', subject: noteId,
          id: eventId('praxis-connector', 'praxis.note.verified', 'feed', w.textSha256, [...agreementIds].sort().join(','), noteId),
          data: {
            noteUrl: w.url, noteId, title: w.title, textSha256: w.textSha256, publishedOn: w.publishedOn,
            firstSeenAt: w.firstSeenAt.toISOString(), verifiedAt: w.verifiedAt.toISOString(), source: 'feed', agreementIds: agreementIds.sort(),
          },
        });
      }
      await emit(events);
      await c.query(
        `INSERT INTO feed_state (url, etag, last_modified, items, last_polled_at, last_outcome, last_error) VALUES ($1, $2, $3, $4, now(), $5, $6)
         ON CONFLICT (url) DO UPDATE SET etag = $2, last_modified = $3, items = $4, last_polled_at = now(), last_outcome = $5, last_error = $6`,
        // A walk cut short keeps the old cursor, so the next run walks past the pages seen today.
        [url, incomplete ? null : poll.etag, incomplete ? null : poll.lastModified, JSON.stringify(walkBroken ? state.items : nextItems),
          incomplete ? 'incomplete' : 'ok', incomplete ? 'some note pages could not be fetched; retried next run' : null]);
    });
    if (writes.length > 0) this.kick();
  }

  /** Re-checks every note matched to an agreement (feed or declared): withdrawn on a definite answer only. */
  private async reverify(page: (u: string) => Promise<PageOutcome>, counts: SyncCounts, unavailable: string[]): Promise<void> {
    const checkedBefore = new Date(Date.now() - this.opts.reverifyMinAgeSeconds * 1000);
    let after = '';
    for (;;) {
      const notes = await this.store.matchedNotesPage(after, 1000, checkedBefore);
      if (notes.length === 0) return;
      after = notes[notes.length - 1]!.id;
      const agreements = new Map((await this.store.agreements([...new Set(notes.flatMap((n) => n.agreementIds))])).map((a) => [a.id, a]));
      const events: NewEvent[] = [];
      const updates: Array<{ id: string; state: string; reason: string | null; status: number | null; title: string | null; sha: string | null; verified: boolean }> = [];
      const now = new Date();
      await Promise.all(notes.map(async (n) => {
        const o = await page(n.url);
        counts.reverified++;
        if (o.kind === 'unavailable') {
          counts.unavailable++;
          if (unavailable.length < 100) unavailable.push(`${n.url}: ${o.message}`);
          return;
        }
        if (o.kind === 'refused' || o.kind === 'invalid') { counts.pagesInvalid++; return; }
        let reason: 'not_found' | 'gone' | 'login_required' | 'private' | 'reference_removed' | null = null;
        let still: string[] = [];
        if (o.kind === 'not_public') reason = o.reason;
        else {
          const text = compact(o.content.text);
          still = n.agreementIds.filter((id) => {
            const a = agreements.get(id);
            return a && (mentionsCompact(text, a.referenceCode) || mentionsCompact(text, a.externalRef));
          });
          if (still.length === 0) reason = 'reference_removed';
        }
        const httpStatus = o.kind === 'not_public' ? o.httpStatus : o.kind === 'public' ? 200 : null;
        if (reason) {
          updates.push({ id: n.id, state: 'withdrawn', reason, status: httpStatus, title: null, sha: null, verified: false });
          if (n.state !== 'withdrawn') {
            counts.withdrawn++;
            events.push({
              type: 'praxis.note.withdrawn.v1', subject: n.id, id: eventId('praxis-connector', 'praxis.note.withdrawn', n.id, now.toISOString()),
              data: { noteUrl: n.url, noteId: n.id, reason, httpStatus, at: now.toISOString() },
            });
          }
          return;
        }
        const c = (o as Extract<PageOutcome, { kind: 'public' }>).content;
        const sha = sha256(c.text);
        updates.push({ id: n.id, state: 'public', reason: null, status: 200, title: c.title, sha, verified: true });
        if (n.state === 'withdrawn') {
          counts.restored++;
          events.push({
            type: 'praxis.note.verified.v1', subject: n.id, id: eventId('praxis-connector', 'praxis.note.verified', 'reverify', n.id, now.toISOString()),
            data: {
              noteUrl: n.url, noteId: n.id, title: c.title, textSha256: sha, publishedOn: n.publishedOn,
              firstSeenAt: n.firstSeenAt.toISOString(), verifiedAt: now.toISOString(), source: 'reverify', agreementIds: still,
            },
          });
        }
      }));
      if (updates.length === 0) continue;
      await this.store.tx(async (c, emit) => {
        await c.query(
          `UPDATE note n SET last_checked_at = now(), state = u.state, http_status = u.status,
             withdrawn_reason = CASE WHEN u.state = 'withdrawn' THEN COALESCE(n.withdrawn_reason, u.reason) ELSE NULL END,
             withdrawn_at = CASE WHEN u.state = 'withdrawn' THEN COALESCE(n.withdrawn_at, now()) ELSE NULL END,
             title = COALESCE(u.title, n.title), text_sha256 = COALESCE(u.sha, n.text_sha256),
             verified_at = CASE WHEN u.verified THEN now() ELSE n.verified_at END
           FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::bool[]) AS u(id, state, reason, status, title, sha, verified)
           WHERE n.id = u.id`,
          [updates.map((u) => u.id), updates.map((u) => u.state), updates.map((u) => u.reason), updates.map((u) => u.status),
            updates.map((u) => u.title), updates.map((u) => u.sha), updates.map((u) => u.verified)]);
        await emit(events);
      });
      if (events.length > 0) this.kick();
    }
  }
}
