import pg from 'pg';
import { startEdge, type RunningEdge } from '../../services/edge/src/main';
import { loadEdgeConfig } from '../../services/edge/src/config';
import { startAgreements, type RunningService } from '../../services/agreements/src/main';
import { loadAgreementsConfig } from '../../services/agreements/src/config';
import { eventually, testEnv, TEST_ADMIN_TOKEN, type TestEnv } from '@pc/testkit';

// The thin slice through every layer: HTTP → auth → Prisma + outbox in one transaction → relay with
// confirms → RabbitMQ → another service's inbox consumer → its own schema.
let t: TestEnv;
let edge: RunningEdge;
let agreements: RunningService;
let base: string;
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };

beforeAll(async () => {
  t = await testEnv();
  agreements = await startAgreements(loadAgreementsConfig(t.env));
  edge = await startEdge(loadEdgeConfig({ ...t.env, AGREEMENTS_URL: `http://127.0.0.1:${agreements.port}` }));
  base = `http://127.0.0.1:${edge.port}`;
});
afterAll(async () => {
  await edge?.stop();
  await agreements?.stop();
  t?.cleanup();
});

async function post(path: string, body: unknown, headers: Record<string, string> = admin): Promise<Response> {
  return fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
}

describe('edge: funders and API keys', () => {
  it('registers a funder and the agreements service receives funder.registered through the bus', async () => {
    const res = await post('/v1/funders', {
      name: 'Fondation Lucie-et-André',
      kind: 'foundation',
      reportRecipients: ['rapports@example.org'],
    });
    expect(res.status).toBe(201);
    const funder = (await res.json()) as { id: string; locale: string };
    expect(funder.locale).toBe('fr');
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const row = await eventually(
        async () => (await db.query('SELECT name FROM agreements.funder WHERE id = $1', [funder.id])).rows[0],
        'funder in agreements schema',
      );
      expect(row.name).toBe('Fondation Lucie-et-André');
      const outbox = await db.query('SELECT type, published_at FROM edge.outbox WHERE subject = $1', [funder.id]);
      expect(outbox.rows).toEqual([expect.objectContaining({ type: 'funder.registered.v1' })]);
      await eventually(
        async () =>
          (await db.query('SELECT published_at FROM edge.outbox WHERE subject = $1', [funder.id])).rows[0]
            ?.published_at,
        'outbox row marked published',
      );
    } finally {
      await db.end();
    }
  });

  it('rejects a funder that breaks the contract with 422 naming every field, and stores nothing', async () => {
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    const before = (await db.query('SELECT count(*)::int AS n FROM edge.funder')).rows[0].n;
    const res = await post('/v1/funders', { name: '', kind: 'bank', extra: 1 });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { title: string; errors: { path: string }[] };
    expect(problem.title).toBe('Données invalides'); // French first
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { path: 'extra', message: 'champ inconnu' },
        { path: 'kind', message: 'valeur non permise (valeurs permises : foundation, ministry, research_fund, other)' },
        { path: 'name', message: 'trop court (au moins 1 caractère(s))' },
      ]),
    );
    const en = await post('/v1/funders', { name: '', kind: 'bank' }, { ...admin, 'accept-language': 'en-CA,en;q=0.9' });
    const enProblem = (await en.json()) as { title: string; errors: { path: string; message: string }[] };
    expect(enProblem.title).toBe('Validation failed');
    expect(enProblem.errors.find((x) => x.path === 'kind')?.message).toMatch(
      /^must be equal to one of the allowed values/,
    );
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['extra', 'kind', 'name']);
    expect((await db.query('SELECT count(*)::int AS n FROM edge.funder')).rows[0].n).toBe(before);
    await db.end();
  });

  it('answers 400 to malformed JSON and 413 to a body over 1 MiB', async () => {
    const bad = await fetch(base + '/v1/funders', { method: 'POST', headers: admin, body: '{"name": "x",' });
    expect(bad.status).toBe(400);
    const big = await post('/v1/funders', { name: 'x'.repeat(1_100_000), kind: 'other' });
    expect(big.status).toBe(413);
  });

  it('requires a token (401), refuses a wrong role (403), and revokes keys at once', async () => {
    expect(
      (await post('/v1/funders', { name: 'A', kind: 'other' }, { 'content-type': 'application/json' })).status,
    ).toBe(401);
    expect(
      (await post('/v1/funders', { name: 'A', kind: 'other' }, { ...admin, authorization: 'Bearer nope' })).status,
    ).toBe(401);
    const funder = (await (await post('/v1/funders', { name: 'Ministère', kind: 'ministry' })).json()) as {
      id: string;
    };
    const keyRes = await post('/v1/api-keys', { role: 'funder', funderId: funder.id, label: 'système de subventions' });
    expect(keyRes.status).toBe(201);
    const key = (await keyRes.json()) as { id: string; token: string };
    expect(key.token).toMatch(/^pk_/);
    const asFunder = { ...admin, authorization: `Bearer ${key.token}` };
    expect((await post('/v1/funders', { name: 'B', kind: 'other' }, asFunder)).status).toBe(403);
    const revoke = await fetch(`${base}/v1/api-keys/${key.id}`, { method: 'DELETE', headers: admin });
    expect(revoke.status).toBe(204);
    expect((await post('/v1/funders', { name: 'B', kind: 'other' }, asFunder)).status).toBe(401);
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    const stored = (await db.query('SELECT secret_hash FROM edge.api_key WHERE id = $1', [key.id])).rows[0];
    expect(stored.secret_hash).not.toContain(key.token.split('_')[2]); // only the hash is stored
    await db.end();
  });

  it('refuses a funder key for an unknown funder and an auditor key without scope (422)', async () => {
    const r1 = await post('/v1/api-keys', {
      role: 'funder',
      funderId: '5b1e6f1c-0000-4000-8000-000000000000',
      label: 'x',
    });
    expect(r1.status).toBe(422);
    const r2 = await post('/v1/api-keys', { role: 'auditor', label: 'x' });
    expect(r2.status).toBe(422);
    expect(((await r2.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('funderIds');
  });

  it('answers 404 when revoking an unknown key', async () => {
    const r = await fetch(`${base}/v1/api-keys/5b1e6f1c-0000-4000-8000-000000000000`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(r.status).toBe(404);
  });

  it('replays an Idempotency-Key with the same body and refuses it with another body (409)', async () => {
    const headers = { ...admin, 'idempotency-key': 'create-funder-42' };
    const first = await post('/v1/funders', { name: 'Fonds de recherche', kind: 'research_fund' }, headers);
    const again = await post('/v1/funders', { name: 'Fonds de recherche', kind: 'research_fund' }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    const other = await post('/v1/funders', { name: 'Autre', kind: 'other' }, headers);
    expect(other.status).toBe(409);
  });

  it('serves health, readiness and metrics without auth', async () => {
    expect((await fetch(base + '/healthz')).status).toBe(200);
    const ready = (await (await fetch(base + '/readyz')).json()) as { checks: Record<string, string> };
    expect(ready.checks).toEqual({ database: 'ok', broker: 'ok' });
    const metrics = await (await fetch(base + '/metrics')).text();
    expect(metrics).toContain('outbox_published_total');
  });
});
