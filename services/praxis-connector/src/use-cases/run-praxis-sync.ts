import { activeAgreements } from '../adapters/agreement-store';
import { allProgrammes } from '../adapters/programme-store';
import type { NotePages, PageOutcome } from '../domain/page';
import { ReferenceIndex } from '../domain/references';
import {
  OutageBreaker,
  PRAXIS_DOWN,
  syncFailure,
  zeroCounts,
  type SyncOptions,
  type SyncPass,
  type SyncResult,
} from '../domain/sync-run';
import { reverifyNotes } from './reverify-notes';
import { syncFeed, type FeedSyncDeps } from './sync-feed';

export interface PraxisSyncDeps extends FeedSyncDeps {
  pages: NotePages;
  opts: SyncOptions;
}

async function pool<T>(items: readonly T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!);
      }
    }),
  );
}

/**
 * One praxis_sync run: discovery through every programme feed (sync-feed.ts), then re-verification
 * of every note matched to an agreement (reverify-notes.ts), sharing the pages fetched and the outage
 * breaker. Praxis being unavailable never withdraws anything; the run then fails with an error that
 * says so, and the next run catches up.
 */
export async function runPraxisSync(deps: PraxisSyncDeps, jobId: string): Promise<SyncResult> {
  const counts = zeroCounts();
  const breaker = new OutageBreaker(deps.opts.outageThreshold);
  const cache = new Map<string, Promise<PageOutcome>>();
  const pass: SyncPass = {
    counts,
    breaker,
    unavailable: [],
    page(url) {
      let p = cache.get(url);
      if (!p) {
        p = breaker.tripped
          ? Promise.resolve(PRAXIS_DOWN)
          : deps.pages.fetchNote(url).then((o) => {
              counts.pagesFetched++;
              breaker.record(o.kind === 'unavailable');
              return o;
            });
        cache.set(url, p);
      }
      return p;
    },
    forget(url) {
      cache.delete(url);
    },
  };

  // Which funders each feed URL serves: a note in a feed is only matched against the agreements of
  // the funders whose programmes registered that feed.
  const programmes = await allProgrammes(deps.pool);
  const feedFunders = new Map<string, Set<string>>();
  for (const p of programmes)
    for (const f of p.feeds) {
      const s = feedFunders.get(f) ?? new Set<string>();
      s.add(p.funderId);
      feedFunders.set(f, s);
    }
  const funders = [...new Set(programmes.map((p) => p.funderId))];
  const indexes = new Map<string, ReferenceIndex>();
  for (const a of await activeAgreements(deps.pool, funders)) {
    let idx = indexes.get(a.funderId);
    if (!idx) {
      idx = new ReferenceIndex();
      indexes.set(a.funderId, idx);
    }
    idx.add({ agreementId: a.id, startDate: a.startDate, code: a.referenceCode, kind: 'referenceCode' });
    if (a.externalRef) idx.add({ agreementId: a.id, startDate: a.startDate, code: a.externalRef, kind: 'externalRef' });
  }

  await pool([...feedFunders.keys()], deps.opts.feedConcurrency, async (url) => {
    counts.feeds++;
    try {
      await syncFeed(deps, pass, url, [...feedFunders.get(url)!], indexes);
    } catch (err) {
      counts.feedsFailed++;
      deps.logger.warn({ feed: url, err: (err as Error).message }, 'feed sync failed');
      pass.unavailable.push(`${url}: ${(err as Error).message}`);
    }
  });

  await reverifyNotes(
    { pool: deps.pool, kick: deps.kick, reverifyMinAgeSeconds: deps.opts.reverifyMinAgeSeconds },
    pass,
  );

  const error = syncFailure(counts, pass.unavailable);
  deps.logger.info({ jobId, counts, failed: error !== null }, 'praxis sync finished');
  return { counts, error };
}
