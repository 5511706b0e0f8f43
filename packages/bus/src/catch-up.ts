/**
 * The catch-up decision (pure): has a worker consumed every event its producers had committed when
 * it received a piece of work (a job), so that the work covers every write accepted before it?
 *
 * A watermark W of producer P is the highest outbox row number P had committed when asked. Every
 * write P accepted before the job committed before the job was requested, so its events are
 * numbered ≤ W (taking W later, at receipt, only covers more). For each queue of the worker fed by
 * P, caught up means: P's outbox rows numbered in (F, W] of the types bound to that queue are as
 * many as that queue's inbox rows from P in the same range, F being a floor both sides still hold
 * (P purges published rows after a retention). The inbox is counted first, then P: anything the
 * inbox holds was committed by P before P counted, so the inbox's rows are a subset of P's and
 * equal counts mean equal sets. A row P commits later with a number ≤ W (a transaction still open
 * when W was taken) was not accepted before the job; it is counted once it commits, and waited for.
 */
import type { WaitingFor } from '@pc/contracts';

export type { WaitingFor };

/** One queue of the worker and one of its producers, as counted at one check. */
export interface FeedCount {
  queue: string;
  producer: string;
  /** the producer's rows in (floor, watermark] of the queue's types; null when the producer could not be asked */
  produced: number | null;
  /** the queue's inbox rows from that producer in the same range, counted before `produced` */
  consumed: number;
  /** the producer's purge floor rose above the floor `consumed` was counted from: both must be counted again */
  floorMoved: boolean;
  /** why the producer could not be asked (when `produced` is null) */
  error?: string;
}

export type CatchUpDecision =
  | { kind: 'caught_up' }
  | { kind: 'waiting'; waitingFor: WaitingFor[] }
  | { kind: 'timed_out'; waitingFor: WaitingFor[] };

/**
 * Caught up when every feed has consumed at least what its producer counted. (`consumed` cannot
 * exceed `produced` by construction; if it ever did, the producer's outbox lost rows by other means
 * than its purge, and waiting could not help.) A feed whose producer could not be asked, or whose
 * floor moved, is not caught up at this check. Past `timeoutMs` of waiting, the work times out.
 */
export function decideCatchUp(feeds: readonly FeedCount[], waitedMs: number, timeoutMs: number): CatchUpDecision {
  const waitingFor: WaitingFor[] = [];
  for (const f of feeds) {
    if (f.produced === null) waitingFor.push({ service: f.producer, queue: f.queue, behind: null });
    else if (f.floorMoved || f.consumed < f.produced)
      waitingFor.push({ service: f.producer, queue: f.queue, behind: Math.max(0, f.produced - f.consumed) });
  }
  if (waitingFor.length === 0) return { kind: 'caught_up' };
  return waitedMs >= timeoutMs ? { kind: 'timed_out', waitingFor } : { kind: 'waiting', waitingFor };
}

/**
 * Whether a "waiting" report is due: the first time, then when what is awaited changed and at least
 * `everyMs` passed since the last report (a job's progress without one event per check).
 */
export function waitingReportDue(
  previous: readonly WaitingFor[] | null,
  current: readonly WaitingFor[],
  sinceLastReportMs: number | null,
  everyMs: number,
): boolean {
  if (previous === null || sinceLastReportMs === null) return true;
  if (sinceLastReportMs < everyMs) return false;
  return JSON.stringify(previous) !== JSON.stringify(current);
}

/** What a person reads when work gave up waiting (operators read job errors: French, then English). */
export function timedOutMessage(
  waitingFor: readonly WaitingFor[],
  waitedSeconds: number,
  deadLetters: ReadonlyMap<string, number>,
): string {
  const what = (w: WaitingFor, lang: 'fr' | 'en'): string => {
    const n =
      w.behind === null
        ? lang === 'fr'
          ? `${w.service} injoignable`
          : `${w.service} unreachable`
        : lang === 'fr'
          ? `${w.behind} événement(s) de ${w.service}`
          : `${w.behind} event(s) of ${w.service}`;
    const dl = deadLetters.get(w.queue) ?? 0;
    const dead = dl > 0 ? (lang === 'fr' ? `, ${dl} en lettres mortes` : `, ${dl} dead-lettered`) : '';
    return `${n} (${w.queue}${dead})`;
  };
  const anyDead = waitingFor.some((w) => (deadLetters.get(w.queue) ?? 0) > 0);
  const fr =
    `Attente abandonnée après ${waitedSeconds} s : ${waitingFor.map((w) => what(w, 'fr')).join(', ')} non encore consommés` +
    (anyDead
      ? `; un événement en lettres mortes ne sera consommé qu'après \`pnpm dlq replay\``
      : `; un événement en lettres mortes peut en être la cause (\`pnpm dlq list\`)`);
  const en =
    `Gave up waiting after ${waitedSeconds} s: ${waitingFor.map((w) => what(w, 'en')).join(', ')} not consumed yet` +
    (anyDead
      ? `; a dead-lettered event is consumed only after \`pnpm dlq replay\``
      : `; a dead-lettered event can cause this (\`pnpm dlq list\`)`);
  return `${fr}. / ${en}.`;
}
