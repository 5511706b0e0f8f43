import { testEnv, type TestEnv } from '@pc/testkit';
import { startEdge, type RunningEdge } from '../src/main';
import { loadEdgeConfig } from '../src/config';

/**
 * The edge alone on a fresh database and vhost for the file's tests: started before them, stopped
 * and cleaned after. `base` and `env` are read inside tests (they are set once `beforeAll` ran).
 */
export function edgeAlone(): { readonly base: string; readonly env: TestEnv } {
  let t: TestEnv | undefined;
  let edge: RunningEdge | undefined;
  const state = {
    get base() {
      return `http://127.0.0.1:${edge!.port}`;
    },
    get env() {
      return t!;
    },
  };
  beforeAll(async () => {
    t = await testEnv();
    edge = await startEdge(loadEdgeConfig(t.env));
  });
  afterAll(async () => {
    await edge?.stop();
    t?.cleanup();
  });
  return state;
}
