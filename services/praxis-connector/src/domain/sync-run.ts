import type { PageOutcome } from './page';

/**
 * One praxis_sync run as discovery and re-verification share it: what it counted, whether Praxis is
 * considered down, what could not be reached, and the note pages already fetched.
 */
export interface SyncOptions {
  feedConcurrency: number;
  /** consecutive unavailability failures after which the run stops contacting Praxis */
  outageThreshold: number;
  /** matched notes last checked more recently than this are not fetched again (0 = all) */
  reverifyMinAgeSeconds: number;
}

export type SyncCounts = Record<
  | 'feeds'
  | 'feedsNotModified'
  | 'feedsChanged'
  | 'feedsRefused'
  | 'feedsFailed'
  | 'feedsUnavailable'
  | 'feedsDisallowed'
  | 'items'
  | 'itemsChanged'
  | 'itemsDuplicate'
  | 'itemsIgnored'
  | 'itemsDecidedFromFeed'
  | 'pagesFetched'
  | 'pagesNotPublic'
  | 'pagesInvalid'
  | 'pagesDisallowed'
  | 'notesMatched'
  | 'matchesNew'
  | 'outOfWindow'
  | 'reverified'
  | 'withdrawn'
  | 'restored'
  | 'unavailable',
  number
>;

export const zeroCounts = (): SyncCounts => ({
  feeds: 0,
  feedsNotModified: 0,
  feedsChanged: 0,
  feedsRefused: 0,
  feedsFailed: 0,
  feedsUnavailable: 0,
  feedsDisallowed: 0,
  items: 0,
  itemsChanged: 0,
  itemsDuplicate: 0,
  itemsIgnored: 0,
  itemsDecidedFromFeed: 0,
  pagesFetched: 0,
  pagesNotPublic: 0,
  pagesInvalid: 0,
  pagesDisallowed: 0,
  notesMatched: 0,
  matchesNew: 0,
  outOfWindow: 0,
  reverified: 0,
  withdrawn: 0,
  restored: 0,
  unavailable: 0,
});

export interface SyncResult {
  counts: SyncCounts;
  error: string | null;
}

/** Trips after N consecutive unavailability failures so a down Praxis costs seconds, not a timeout per note. */
export class OutageBreaker {
  private consecutive = 0;
  tripped = false;
  constructor(private readonly threshold: number) {}
  record(unavailable: boolean): void {
    if (!unavailable) {
      this.consecutive = 0;
      return;
    }
    if (++this.consecutive >= this.threshold) this.tripped = true;
  }
}

/** The answer every page gets once the breaker tripped: an outage, so nothing is withdrawn. */
export const PRAXIS_DOWN: PageOutcome = {
  kind: 'unavailable',
  reason: 'connection',
  httpStatus: null,
  message: 'Praxis considered down for this run',
};

/** The state of the run in progress, handed to each step. */
export interface SyncPass {
  readonly counts: SyncCounts;
  readonly breaker: OutageBreaker;
  /** what could not be reached (URL: why), for the run's error */
  readonly unavailable: string[];
  /** a note page, fetched at most once per run: re-verification reuses what discovery fetched */
  page(url: string): Promise<PageOutcome>;
  /** drops a page from the run's memory (unmatched pages must not stay there) */
  forget(url: string): void;
}

/** The run fails when anything could not be reached; the text says nothing was withdrawn. */
export function syncFailure(counts: SyncCounts, unavailable: readonly string[]): string | null {
  if (unavailable.length === 0) return null;
  return `Praxis indisponible / unavailable: ${Math.max(counts.unavailable, unavailable.length)} request(s) failed; nothing was withdrawn, the next run catches up. First: ${unavailable.slice(0, 3).join(' | ')}`;
}
