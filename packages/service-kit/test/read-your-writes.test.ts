import { AppError, notFound, withProjectedId, type ProjectedIdOptions } from '../src';

// The read-your-writes rule on its own, with a stand-in owner (the IdOwner port) and an attempt that
// finds the id once the "projection" has it: what is asked of the owner, when, and what is answered.
function world(ownerSays: boolean | Error, arrivesAfterAttempts: number | null) {
  let attempts = 0;
  let asked = 0;
  const attempt = (): Promise<string> => {
    attempts++;
    if (arrivesAfterAttempts !== null && attempts > arrivesAfterAttempts) return Promise.resolve('served');
    return Promise.reject(notFound('obligation'));
  };
  const opts = (maxWaitMs = 3000): ProjectedIdOptions => ({
    what: 'test',
    maxWaitMs,
    ownerKnows: () => {
      asked++;
      return ownerSays instanceof Error ? Promise.reject(ownerSays) : Promise.resolve(ownerSays);
    },
  });
  return { attempt, opts, counts: () => ({ attempts, asked }) };
}

describe('withProjectedId', () => {
  it('serves what the projection has without asking the owner', async () => {
    const w = world(true, 0);
    await expect(withProjectedId(w.attempt, w.opts())).resolves.toBe('served');
    expect(w.counts()).toEqual({ attempts: 1, asked: 0 });
  });

  it('keeps the 404 when the owner does not know the id for this scope, after one question', async () => {
    const w = world(false, null);
    await expect(withProjectedId(w.attempt, w.opts())).rejects.toMatchObject({ code: 'not_found', status: 404 });
    expect(w.counts()).toEqual({ attempts: 1, asked: 1 });
  });

  it('waits for an id the owner has, and serves it once the projection has it', async () => {
    const w = world(true, 3);
    await expect(withProjectedId(w.attempt, w.opts())).resolves.toBe('served');
    expect(w.counts()).toEqual({ attempts: 4, asked: 1 });
  });

  it('answers 503 with Retry-After when the projection does not catch up in time', async () => {
    const w = world(true, null);
    const started = Date.now();
    const err = (await withProjectedId(w.attempt, w.opts(300)).catch((e: unknown) => e)) as AppError;
    expect([err.code, err.status, err.retryAfterSeconds]).toEqual(['unavailable', 503, 1]);
    // it kept looking until its deadline (more than one retry), and did not wait much past it
    expect(w.counts().attempts).toBeGreaterThan(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('never turns an unreachable owner into a 404', async () => {
    const down = new AppError('unavailable', 'agreements down', undefined, { retryAfterSeconds: 5 });
    const w = world(down, null);
    await expect(withProjectedId(w.attempt, w.opts())).rejects.toBe(down);
  });

  it('lets any other error of the attempt through without asking the owner', async () => {
    const w = world(true, null);
    const forbidden = new AppError('forbidden', 'no');
    await expect(withProjectedId(() => Promise.reject(forbidden), w.opts())).rejects.toBe(forbidden);
    expect(w.counts().asked).toBe(0);
  });
});
