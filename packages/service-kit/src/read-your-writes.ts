/**
 * Read your writes across services. A service that learns of an id through events (an obligation
 * from agreement snapshots, a programme, a contact) may be asked about it before its consumer has
 * applied the event: the id was returned by another service's response a moment ago. A 404 then
 * would be a lie, and a client could only guess how long to sleep.
 */
import { AppError } from './errors';
import type { Bilingual } from './i18n';
import { metrics } from './metrics';

/** The longest a request waits for its projection: past this the client is told to come back. */
export const MAX_PROJECTION_WAIT_MS = 5000;

export interface ProjectedIdOptions {
  /** what is looked up, in metrics (`obligation`, `programme`, `contact`) */
  what: string;
  /**
   * Does the id's owner know it for this caller's scope (the same tenant rule the route applies)?
   * Throws AppError 'unavailable' when the owner cannot be asked: then nobody can tell a 404 from a
   * lag, and a 404 must not be guessed.
   */
  ownerKnows: () => Promise<boolean>;
  /** the longest this request waits for the local projection, from its start (≤ 5 s) */
  maxWaitMs: number;
}

const BEHIND: Bilingual = {
  en: 'this service has not caught up with a change made a moment ago; try again shortly',
  fr: "ce service n'a pas encore reçu une modification faite à l'instant ; réessayez sous peu",
};

const isNotFound = (err: unknown): boolean => err instanceof AppError && err.code === 'not_found';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `attempt`, a read or change of one id through the local projection. When it answers 404, the
 * id's owner is asked whether the id exists for this caller:
 *  - no (never existed, or another tenant's): the 404 stands. Every 404 takes this same path, a
 *    locally known id of another tenant included, so the time taken does not tell the two apart;
 *  - yes: `attempt` is run again as the projection catches up (short, growing pauses) until it
 *    succeeds or fails otherwise; after `maxWaitMs` from the start, 503 with Retry-After;
 *  - the owner cannot be asked: 503 with Retry-After (its error), never a 404.
 * `attempt` must throw its 404 before any side effect (each route's lookup comes first), so running
 * it again is safe. The happy path costs nothing: one attempt, no owner call.
 */
export async function withProjectedId<T>(attempt: () => Promise<T>, opts: ProjectedIdOptions): Promise<T> {
  const started = Date.now();
  let missing: unknown;
  try {
    return await attempt();
  } catch (err) {
    if (!isNotFound(err)) throw err;
    missing = err;
  }
  const count = (outcome: string) => metrics.projectionLookups.inc({ what: opts.what, outcome });
  let known: boolean;
  try {
    known = await opts.ownerKnows();
  } catch (err) {
    count('owner_unavailable');
    throw err;
  }
  if (!known) {
    count('not_found');
    throw missing;
  }
  const deadline = started + Math.min(opts.maxWaitMs, MAX_PROJECTION_WAIT_MS);
  metrics.projectionWaits.inc({ what: opts.what });
  try {
    for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(pause, left));
      try {
        const served = await attempt();
        count('served_after_wait');
        return served;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  } finally {
    metrics.projectionWaits.dec({ what: opts.what });
  }
  count('timed_out');
  throw new AppError('unavailable', BEHIND, undefined, { retryAfterSeconds: 1 });
}
