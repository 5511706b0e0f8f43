/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are asserted with toMatchObject */
import crypto from 'node:crypto';
import pg from 'pg';
import type { EventData, EventType } from '@pc/contracts';
import { asPrincipal, deleteVhost, eventually, freshVhost, publishEvent, testEnv, type TestEnv } from '@pc/testkit';
import { startAgreements, type RunningService as Agreements } from '../../agreements/src/main';
import { loadAgreementsConfig } from '../../agreements/src/config';
import { startObligations, type RunningService } from '../src/main';
import { loadObligationsConfig } from '../src/config';

// Read your writes with the real owner of obligation ids, the agreements service, and a projection
// held back on purpose: the two services share the database but not the broker (each its own vhost),
// so nothing the agreements service emits reaches the obligations service unless the test carries it.
// An id the owner confirms is waited for, then served as soon as its snapshot arrives, or answered
// 503 with Retry-After; an unknown id or another tenant's is a 404.
jest.setTimeout(120_000);
let t: TestEnv;
let obligationsVhost: string;
let agreements: Agreements;
let obligations: RunningService;
let db: pg.Client;
const F1 = crypto.randomUUID();
const F2 = crypto.randomUUID();
const funder = (funderId: string) => asPrincipal({ role: 'funder', funderId });
let ag: { id: string; grantee: { id: string }; obligations: { id: string }[] };

beforeAll(async () => {
  t = await testEnv();
  obligationsVhost = freshVhost();
  agreements = await startAgreements(loadAgreementsConfig(t.env));
  obligations = await startObligations(
    loadObligationsConfig({
      ...t.env,
      AMQP_URL: obligationsVhost,
      AGREEMENTS_URL: `http://127.0.0.1:${agreements.port}`,
      PROJECTION_WAIT_MS: '5000',
    }),
  );
  db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
  const post = (path: string, body: unknown) =>
    fetch(`http://127.0.0.1:${agreements.port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...funder(F1) },
      body: JSON.stringify(body),
    });
  expect((await post('/v1/programmes', { code: 'RYW', name: 'Lecture' })).status).toBe(201);
  const r = await post('/v1/agreements', {
    externalRef: 'RYW-1',
    programmeCode: 'RYW',
    title: 'Entente',
    startDate: '2027-01-01',
    endDate: '2027-12-31',
    grantee: { name: 'Organisme', contacts: [{ name: 'Alex', email: 'alex@example.org' }] },
    requirements: [{ kind: 'learning_note', count: 2, due: { anchor: 'end', offset: 'P90D' } }],
  });
  expect(r.status).toBe(201);
  ag = (await r.json()) as typeof ag;
}, 120_000);
afterAll(async () => {
  await db?.end();
  await obligations?.stop();
  await agreements?.stop();
  if (obligationsVhost) deleteVhost(obligationsVhost);
  t?.cleanup();
});

const call = (method: string, path: string, who: Record<string, string>, body?: unknown) =>
  fetch(`http://127.0.0.1:${obligations.port}${path}`, {
    method,
    headers: { ...who, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** What the agreements service emitted (its outbox), carried by hand to the obligations service's broker. */
async function deliver(type: EventType): Promise<void> {
  const { rows } = await db.query('SELECT data FROM agreements.outbox WHERE type = $1 ORDER BY created_at', [type]);
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) await publishEvent(obligationsVhost, type, r.data as EventData<typeof type>);
}

const waiting = async (): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${obligations.port}/metrics`)).text();
  return Number(/^projection_waits\{what="obligation"\} (\d+)$/m.exec(text)?.[1] ?? 0);
};

describe('an obligation id the agreements service has and this service not yet', () => {
  it('is a 503 with Retry-After once the wait is over, never a 404', async () => {
    const res = await call('GET', `/v1/obligations/${ag.obligations[0]!.id}`, funder(F1));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as any).detail).toContain('réessayez');
  });

  it('stays a 404 when unknown or another tenant’s, and a 403 for a role that reads no obligation', async () => {
    const id = ag.obligations[0]!.id;
    const statuses = [
      (await call('GET', `/v1/obligations/${crypto.randomUUID()}`, funder(F1))).status,
      (await call('GET', `/v1/obligations/${id}`, funder(F2))).status,
      (await call('POST', `/v1/obligations/${id}/waiver`, funder(F2), { reason: 'x' })).status,
      (await call('GET', `/v1/obligations/${id}`, asPrincipal({ role: 'grantee', granteeId: crypto.randomUUID() })))
        .status,
      (await call('GET', `/v1/obligations/${id}`, asPrincipal({ role: 'admin' }))).status,
    ];
    // the admin role reads no tenant's obligations: 403 (wrong role) before anything is looked up
    expect(statuses).toEqual([404, 404, 404, 404, 403]);
  });

  it('is waited for and served as soon as its snapshot arrives', async () => {
    const id = ag.obligations[1]!.id;
    const waiver = call('POST', `/v1/obligations/${id}/waiver`, funder(F1), { reason: 'projet annulé' });
    // the request is parked on the projection (its owner confirmed the id) before the snapshot is carried over
    await eventually(async () => (await waiting()) === 1, 'the waiver waiting for its obligation', 10_000, 20);
    await deliver('programme.registered.v1');
    await deliver('agreement.registered.v1');
    const res = await waiver;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: 'waived' });
    expect(await waiting()).toBe(0);
    // and the grantee reads its own obligation at once now
    const mine = await call('GET', `/v1/obligations/${id}`, asPrincipal({ role: 'grantee', granteeId: ag.grantee.id }));
    expect(mine.status).toBe(200);
  });
});
