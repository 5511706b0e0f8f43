import pg from 'pg';
import { eventually, freePort, testEnv, TEST_ADMIN_TOKEN, type TestEnv } from '@pc/testkit';
import { startScheduler, type RunningScheduler } from '../../scheduler/src/main';
import { loadSchedulerConfig } from '../../scheduler/src/config';
import { startEdge, type RunningEdge } from '../src/main';
import { loadEdgeConfig } from '../src/config';

// Idempotency-Key on proxied POSTs, with a real scheduler behind the edge: a replay is answered from
// the edge's record without reaching the service again; the key with another request is a 409; a
// 5xx is not kept, so the client may retry with the same key.
let t: TestEnv;
let scheduler: RunningScheduler;
let edge: RunningEdge;
let sql: pg.Client;
let base: string;
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };

beforeAll(async () => {
  t = await testEnv({ SCHEDULES_ENABLED: 'false' });
  scheduler = await startScheduler(loadSchedulerConfig(t.env));
  edge = await startEdge(
    loadEdgeConfig({
      ...t.env,
      SCHEDULER_URL: `http://127.0.0.1:${scheduler.port}`,
      NOTIFIER_URL: `http://127.0.0.1:${await freePort()}`,
    }),
  );
  base = `http://127.0.0.1:${edge.port}`;
  sql = new pg.Client({ connectionString: t.databaseUrl });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await edge?.stop();
  await scheduler?.stop();
  t?.cleanup();
});

const post = (path: string, key: string, body?: unknown): Promise<Response> =>
  fetch(base + path, {
    method: 'POST',
    headers: { ...admin, 'idempotency-key': key },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const count = async (q: string, params: unknown[] = []): Promise<number> =>
  Number((await sql.query<{ n: string }>(q, params)).rows[0]?.n);

describe('Idempotency-Key through the proxy', () => {
  it('replays the stored response without reaching the service again, and refuses the key for another request (409)', async () => {
    const first = await post('/v1/jobs/evaluate', 'evaluate-once', { asOf: '2027-03-01' });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    // The record is completed once the response has gone out; until then a replay is a 409 "in progress".
    await eventually(
      async () =>
        (await count("SELECT count(*) n FROM edge.idempotency WHERE key = 'evaluate-once' AND state = 'done'")) === 1,
      'response recorded',
    );
    const again = await post('/v1/jobs/evaluate', 'evaluate-once', { asOf: '2027-03-01' });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toContain('application/json');
    expect(await again.json()).toEqual({ id });
    expect(await count('SELECT count(*) n FROM scheduler.job')).toBe(1);

    expect((await post('/v1/jobs/evaluate', 'evaluate-once', { asOf: '2027-03-02' })).status).toBe(409); // other body
    expect((await post('/v1/jobs/praxis-sync', 'evaluate-once')).status).toBe(409); // other route
    expect(await count('SELECT count(*) n FROM scheduler.job')).toBe(1);
    expect(
      await count(
        "SELECT count(*) n FROM edge.idempotency WHERE key = 'evaluate-once' AND state = 'done' AND status = 202",
      ),
    ).toBe(1);
  });

  it('keeps no record of a 5xx, so the same key may be retried', async () => {
    const path = '/v1/me/contacts/ana%40example.org/preferences';
    const down = await post(path, 'while-down', { locale: 'fr' });
    expect(down.status).toBe(503);
    await eventually(
      async () => (await count("SELECT count(*) n FROM edge.idempotency WHERE key = 'while-down'")) === 0,
      'the claim released',
    );
    const retry = await post(path, 'while-down', { locale: 'en' }); // another body: not a 409, nothing was kept
    expect(retry.status).toBe(503);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
  });

  // The record once kept the whole answer of POST /v1/api-keys for 24 h, plaintext token included, and
  // a replay handed the token out again.
  it('never stores an API key token: a replay answers the key without it, saying why', async () => {
    const funder = await fetch(base + '/v1/funders', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'Fondation X', kind: 'foundation' }),
    });
    const { id: funderId } = (await funder.json()) as { id: string };
    const body = { role: 'funder', funderId, label: 'système' };
    const first = await post('/v1/api-keys', 'key-once', body);
    expect(first.status).toBe(201);
    const created = (await first.json()) as { id: string; token: string };
    expect(created.token).toMatch(/^pk_/);
    await eventually(
      async () =>
        (await count("SELECT count(*) n FROM edge.idempotency WHERE key = 'key-once' AND state = 'done'")) === 1,
      'response recorded',
    );
    const secret = created.token.split('_').at(-1)!;
    expect(
      await count("SELECT count(*) n FROM edge.idempotency WHERE position(convert_to($1, 'UTF8') in body) > 0", [
        secret,
      ]),
    ).toBe(0);

    const again = await post('/v1/api-keys', 'key-once', body);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const replayed = (await again.json()) as Record<string, unknown>;
    expect(replayed).toMatchObject({ id: created.id, role: 'funder', label: 'système', tokenWithheld: true });
    expect(replayed).not.toHaveProperty('token');
    expect(replayed.notice).toMatch(/n'est montré qu'une fois/);
    const english = await fetch(base + '/v1/api-keys', {
      method: 'POST',
      headers: { ...admin, 'idempotency-key': 'key-once', 'accept-language': 'en' },
      body: JSON.stringify(body),
    });
    expect(((await english.json()) as { notice: string }).notice).toMatch(/shown only once/);
    expect(JSON.stringify(replayed)).not.toContain(secret);
  });
});
