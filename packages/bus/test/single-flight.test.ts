import { eventually } from '@pc/testkit';
import { singleFlight } from '../src';

/** A pass the test releases by hand, recording how many run at once. */
function gatedPass() {
  const state = { started: 0, running: 0, maxRunning: 0, release: [] as Array<() => void> };
  const pass = async (): Promise<void> => {
    state.started += 1;
    state.running += 1;
    state.maxRunning = Math.max(state.maxRunning, state.running);
    await new Promise<void>((r) => state.release.push(r));
    state.running -= 1;
  };
  const releaseNext = async (): Promise<void> => {
    while (state.release.length === 0) await new Promise((r) => setImmediate(r));
    state.release.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { state, pass, releaseNext };
}

describe('singleFlight', () => {
  it('never runs two passes at once; kicks during a pass make exactly one more pass after it', async () => {
    const { state, pass, releaseNext } = gatedPass();
    const loop = singleFlight(pass, () => undefined);
    loop.kick();
    loop.kick();
    loop.kick();
    loop.kick(); // while the first pass runs
    expect(state.started).toBe(1);
    await releaseNext();
    expect(state.started).toBe(2);
    await releaseNext();
    await loop.idle();
    expect(state.started).toBe(2);
    expect(state.maxRunning).toBe(1);
  });

  it('reports a failing pass and keeps going; after stop, kicks do nothing and stop waits for the pass in progress', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const loop = singleFlight(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('database away');
      },
      (err) => errors.push(err),
    );
    loop.kick();
    await loop.idle();
    expect(errors.map((e) => (e as Error).message)).toEqual(['database away']);
    loop.kick();
    await loop.idle();
    expect(calls).toBe(2);

    const { state, pass, releaseNext } = gatedPass();
    const gated = singleFlight(pass, () => undefined);
    gated.kick();
    gated.kick(); // a pass is due after this one, but stop cancels it
    let stopped = false;
    const stopping = gated.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    await releaseNext();
    await stopping;
    gated.kick();
    expect(state.started).toBe(1);
    expect(gated.stopped).toBe(true);
  });

  it('kicks on its timer once started', async () => {
    let calls = 0;
    const loop = singleFlight(
      async () => {
        calls += 1;
      },
      () => undefined,
    );
    loop.start(20);
    await eventually(async () => calls >= 3, 'three timed passes');
    await loop.stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 100)); // five periods: a timer left behind would have fired
    expect(calls).toBe(after);
  });
});
