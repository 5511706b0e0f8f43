/**
 * A background pass that never runs twice at once in this process: the outbox relay, and workers
 * that claim leased rows (evaluation runs, digests, sync runs) and work them until none is left.
 *
 * `kick()` starts a pass now, or — when one is running — exactly one more right after it, so work
 * committed during a pass is never left for the next poll. `start(everyMs)` also kicks on a timer,
 * which picks up what no kick announced (rows of another replica whose lease expired, a failed pass).
 * A pass that throws is reported to `onError` and the loop goes on.
 */
export interface SingleFlight {
  start(everyMs: number): void;
  kick(): void;
  /** Resolves when no pass is running or due (tests, shutdown). */
  idle(): Promise<void>;
  /** No more passes; resolves once the pass in progress ended. `start` resumes. */
  stop(): Promise<void>;
  readonly stopped: boolean;
}

export function singleFlight(pass: () => Promise<unknown>, onError: (err: unknown) => void): SingleFlight {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const kick = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .then(() => undefined, onError)
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          kick();
        }
      });
  };

  return {
    start(everyMs: number): void {
      stopped = false;
      if (timer) clearTimeout(timer);
      const tick = (): void => {
        if (stopped) return;
        kick();
        timer = setTimeout(tick, everyMs);
      };
      tick();
    },
    kick,
    async idle(): Promise<void> {
      while (running) await running;
    },
    async stop(): Promise<void> {
      stopped = true;
      again = false;
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      while (running) await running;
    },
    get stopped() {
      return stopped;
    },
  };
}
