import type pg from 'pg';
import type { Logger } from '@pc/service-kit';
import { enqueue, pgTransact, type NewEvent } from '@pc/bus';
import { eventId } from '@pc/contracts';
import type { FeedAdapter, FeedItem } from '../adapters/feed-adapter';
import { feedState, feedValidators, saveFeedState, touchFeed, type FeedCursor } from '../adapters/feed-store';
import { addMatches, matchedNoteIds, upsertNotes, type NoteMatchPair, type NoteWrite } from '../adapters/note-store';
import { publicationOf } from '../domain/checks';
import { montrealDate } from '../domain/dates';
import { type HostPolicy, noteIdOf } from '../domain/host-policy';
import { sha256 } from '../domain/ids';
import { scanText, type ReferenceIndex } from '../domain/references';
import type { SyncPass } from '../domain/sync-run';

const MAX_FEED_PAGES = 1000;

export interface FeedSyncDeps {
  pool: pg.Pool;
  feeds: FeedAdapter;
  policy: HostPolicy;
  logger: Logger;
  /** publishes now what a committed transaction put in the outbox */
  kick: () => void;
}

/**
 * Discovery through one programme feed: a conditional GET, the new or changed items (older pages of
 * a paged feed only while they hold nothing already processed), and a match against the active
 * agreements of `funderIds` (the funders whose programmes registered the feed). Requests grow with
 * change, not with the corpus: an item whose own text (full content, or a summary that is not cut)
 * mentions none of those funders' references is decided from the feed alone; only the others have
 * their note page fetched, and the page decides. New matches become `praxis.note.verified.v1`
 * (source `feed`). The item cursor and the validators only advance for what got a definite answer,
 * so an outage is caught up by the next run.
 */
export async function syncFeed(
  deps: FeedSyncDeps,
  pass: SyncPass,
  url: string,
  funderIds: string[],
  indexes: Map<string, ReferenceIndex>,
): Promise<void> {
  const { counts, breaker, unavailable } = pass;
  if (!deps.policy.check(url).allowed) {
    counts.feedsRefused++;
    await touchFeed(deps.pool, url, 'refused', 'feed URL is not on the Praxis host');
    return;
  }
  if (breaker.tripped) {
    counts.feedsUnavailable++;
    unavailable.push(`${url}: skipped, Praxis down`);
    return;
  }
  const validators = await feedValidators(deps.pool, url);
  const poll = await deps.feeds.poll(url, validators.etag, validators.lastModified);
  breaker.record(poll.kind === 'unavailable');
  if (poll.kind === 'not_modified') {
    counts.feedsNotModified++;
    return;
  }
  if (poll.kind === 'refused') {
    counts.feedsRefused++;
    await touchFeed(deps.pool, url, 'refused', poll.reason);
    return;
  }
  if (poll.kind === 'disallowed') {
    counts.feedsDisallowed++;
    await touchFeed(deps.pool, url, 'disallowed', "Praxis's robots.txt forbids reading this feed");
    return;
  }
  if (poll.kind === 'unavailable') {
    counts.feedsUnavailable++;
    counts.unavailable++;
    unavailable.push(`${url}: ${poll.message}`);
    await touchFeed(deps.pool, url, 'unavailable', poll.message);
    return;
  }
  if (poll.kind === 'malformed') {
    counts.feedsFailed++;
    deps.logger.warn({ feed: url, error: poll.message }, 'feed unreadable');
    await touchFeed(deps.pool, url, 'malformed', poll.message);
    return;
  }
  counts.feedsChanged++;
  const state = await feedState(deps.pool, url);
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
      if (seen.has(item.key)) {
        counts.itemsDuplicate++;
        continue;
      }
      seen.add(item.key);
      const prev = state.items[item.key];
      if (prev && prev[0] === item.fingerprint) known = true;
      else candidates.push(item);
    }
    page1 = null;
    if (!p.next) {
      walkedAll = true;
      break;
    }
    if (known || pages >= MAX_FEED_PAGES) break;
    const more = await deps.feeds.poll(p.next, null, null);
    breaker.record(more.kind === 'unavailable');
    if (more.kind === 'items') page1 = more;
    else if (more.kind === 'unavailable') {
      incomplete = walkBroken = true;
      counts.unavailable++;
      unavailable.push(`${p.next}: ${more.message}`);
    } else {
      incomplete = walkBroken = true;
      deps.logger.warn({ feed: p.next, outcome: more.kind }, 'feed page unreadable');
    }
  }
  // Cursor: a full walk replaces it (items gone from the feed drop out); a partial walk updates it.
  const nextItems: FeedCursor = {};
  for (const [k, v] of Object.entries(state.items)) if (!walkedAll || seen.has(k)) nextItems[k] = v;
  counts.itemsChanged += candidates.length;
  const writes: NoteWrite[] = [];
  const pairs: NoteMatchPair[] = [];
  const unmatched: Array<{ url: string; noteId: string }> = [];
  const searchable = funderIds.some((f) => (indexes.get(f)?.size ?? 0) > 0);

  await Promise.all(
    candidates.map(async (item) => {
      const firstSeen = state.items[item.key]?.[1] ?? nowSec;
      const link = item.link ? deps.policy.check(item.link) : null;
      const noteId = link?.allowed ? noteIdOf(link.url) : null;
      if (!link?.allowed || !noteId) {
        counts.itemsIgnored++;
        nextItems[item.key] = [item.fingerprint, firstSeen];
        return;
      }
      // The feed's own text first: the page is fetched only when the item can match (or cannot be told).
      const feedText = scanText(`${item.title}\n${item.text}`);
      const canMatch = searchable && funderIds.some((f) => (indexes.get(f)?.find(feedText).length ?? 0) > 0);
      if (!canMatch && (item.textComplete || !searchable)) {
        counts.itemsDecidedFromFeed++;
        nextItems[item.key] = [item.fingerprint, firstSeen];
        return;
      }
      const outcome = await pass.page(link.url.toString());
      if (outcome.kind === 'disallowed') {
        // Not fetched and nobody's failure; the cursor stays, so the item is looked at again when
        // the feed changes (robots.txt may allow it by then).
        counts.pagesDisallowed++;
        return;
      }
      if (outcome.kind === 'unavailable') {
        incomplete = true;
        counts.unavailable++;
        if (unavailable.length < 100) unavailable.push(`${link.url.toString()}: ${outcome.message}`);
        // keep the old fingerprint (or none): the item is retried next run
        return;
      }
      nextItems[item.key] = [item.fingerprint, firstSeen];
      if (outcome.kind === 'not_public') {
        counts.pagesNotPublic++;
        return;
      }
      if (outcome.kind !== 'public') {
        counts.pagesInvalid++;
        return;
      }
      const pub = publicationOf(item.publishedOn, outcome.content, montrealDate(new Date(firstSeen * 1000)));
      const hits = new Map<string, true>();
      const pageText = scanText(outcome.content.text);
      for (const f of funderIds) {
        for (const t of indexes.get(f)?.find(pageText) ?? []) {
          if (pub.publishedOn !== null && pub.publishedOn < t.startDate) {
            counts.outOfWindow++;
            continue;
          }
          hits.set(t.agreementId, true);
        }
      }
      if (hits.size === 0) {
        unmatched.push({ url: link.url.toString(), noteId: outcome.noteId });
        return;
      }
      counts.notesMatched++;
      writes.push({
        id: outcome.noteId,
        url: outcome.url,
        title: outcome.content.title,
        textSha256: sha256(outcome.content.text),
        publishedOn: pub.publishedOn,
        publishedSource: pub.source,
        feedPublishedOn: item.publishedOn,
        firstSeenAt: new Date(firstSeen * 1000),
        verifiedAt: now,
      });
      for (const a of hits.keys()) pairs.push({ noteId: outcome.noteId, agreementId: a });
    }),
  );

  // Keep in the run's memory only pages re-verification will ask for (matched notes, found today or
  // before): a million unmatched pages must not stay there, and a matched one must not be fetched twice.
  if (unmatched.length > 0) {
    const keep = await matchedNoteIds(
      deps.pool,
      unmatched.map((u) => u.noteId),
    );
    for (const u of unmatched) if (!keep.has(u.noteId)) pass.forget(u.url);
  }

  // Notes, matches, their events and the cursor move together: a crash re-processes the feed.
  const byNote = new Map(writes.map((w) => [w.id, w]));
  await pgTransact(deps.pool)(async (tx) => {
    await upsertNotes(tx, [...byNote.values()]);
    const fresh = await addMatches(tx, pairs, 'feed');
    counts.matchesNew += fresh.length;
    const grouped = new Map<string, string[]>();
    for (const m of fresh) grouped.set(m.noteId, [...(grouped.get(m.noteId) ?? []), m.agreementId]);
    const events: NewEvent[] = [];
    for (const [noteId, agreementIds] of grouped) {
      const w = byNote.get(noteId)!;
      events.push({
        type: 'praxis.note.verified.v1',
        subject: noteId,
        id: eventId(
          'praxis-connector',
          'praxis.note.verified',
          'feed',
          w.textSha256,
          [...agreementIds].sort().join(','),
          noteId,
        ),
        data: {
          noteUrl: w.url,
          noteId,
          title: w.title,
          textSha256: w.textSha256,
          publishedOn: w.publishedOn,
          firstSeenAt: w.firstSeenAt.toISOString(),
          verifiedAt: w.verifiedAt.toISOString(),
          source: 'feed',
          agreementIds: agreementIds.sort(),
        },
      });
    }
    await enqueue(tx, events);
    // A walk cut short keeps the old cursor, so the next run walks past the pages seen today.
    await saveFeedState(
      tx,
      {
        url,
        etag: incomplete ? null : poll.etag,
        lastModified: incomplete ? null : poll.lastModified,
        items: walkBroken ? state.items : nextItems,
      },
      incomplete ? 'incomplete' : 'ok',
      incomplete ? 'some note pages could not be fetched; retried next run' : null,
    );
  });
  if (writes.length > 0) deps.kick();
}
