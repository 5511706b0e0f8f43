/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are asserted field by field */
import { signPrincipal, type Principal } from '@pc/service-kit';
import { testEnv, TEST_ADMIN_TOKEN, TEST_INTERNAL_SECRET, type TestEnv } from '@pc/testkit';
import { startEdge, type RunningEdge } from '../src/main';
import { loadEdgeConfig } from '../src/config';

// A funder manages its own funder keys (the dashboard's "API keys" panel): with its own key, or, as the
// web service does for a signed-in funder officer, with a principal signed for the edge and that request.
let t: TestEnv;
let edge: RunningEdge;
let base = '';
const funders: { id: string; token: string }[] = [];

const call = (method: string, path: string, auth: Record<string, string>, body?: unknown, lang = 'fr') =>
  fetch(base + path, {
    method,
    headers: { ...auth, 'accept-language': lang, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const signed = (
  p: Principal,
  method: string,
  target: string,
  audience = 'edge',
  secret = TEST_INTERNAL_SECRET,
  body?: unknown,
) => ({
  'x-pc-principal': signPrincipal(p, secret, {
    method,
    target,
    audience,
    body: body === undefined ? undefined : JSON.stringify(body),
  }),
});
const officer = (funderId: string): Principal => ({
  keyId: 'member:officer-1',
  role: 'funder',
  funderId,
  funderIds: [funderId],
  granteeId: null,
});

beforeAll(async () => {
  t = await testEnv();
  edge = await startEdge(loadEdgeConfig(t.env));
  base = `http://127.0.0.1:${edge.port}`;
  for (const name of ['A', 'B']) {
    const f = (await (
      await call('POST', '/v1/funders', bearer(TEST_ADMIN_TOKEN), { name, kind: 'other' })
    ).json()) as any;
    const k = (await (
      await call('POST', '/v1/api-keys', bearer(TEST_ADMIN_TOKEN), {
        role: 'funder',
        funderId: f.id,
        label: `clé ${name}`,
      })
    ).json()) as any;
    funders.push({ id: f.id, token: k.token });
  }
});
afterAll(async () => {
  await edge?.stop();
  t?.cleanup();
});

describe('a funder manages its own API keys', () => {
  it('creates a funder key for itself (funderId implied), lists its keys without secrets, revokes one', async () => {
    const [A] = funders;
    const r = await call('POST', '/v1/api-keys', bearer(A!.token), { role: 'funder', label: 'système comptable' });
    expect(r.status).toBe(201);
    const created = (await r.json()) as any;
    expect(created).toMatchObject({ role: 'funder', funderId: A!.id, label: 'système comptable' });
    expect(created.token).toMatch(/^pk_/);
    // the new key works
    expect((await call('GET', '/v1/api-keys', bearer(created.token))).status).toBe(200);

    const list = (await (await call('GET', '/v1/api-keys', bearer(A!.token))).json()) as any;
    expect(list.data.map((k: any) => k.label)).toEqual(['système comptable', 'clé A']);
    expect(JSON.stringify(list)).not.toMatch(/pk_|secret/i);

    expect((await call('DELETE', `/v1/api-keys/${created.id}`, bearer(A!.token))).status).toBe(204);
    expect((await call('GET', '/v1/api-keys', bearer(created.token))).status).toBe(401);
    const after = (await (await call('GET', '/v1/api-keys', bearer(A!.token))).json()) as any;
    expect(after.data[0].revokedAt).not.toBeNull();
  });

  it("never touches another funder's keys: 404 on create and revoke, nothing in the list", async () => {
    const [A, B] = funders;
    const before = (await (await call('GET', '/v1/api-keys', bearer(TEST_ADMIN_TOKEN))).json()) as any;
    const bKey = before.data.find((k: any) => k.funderId === B!.id);
    const create = await call('POST', '/v1/api-keys', bearer(A!.token), {
      role: 'funder',
      funderId: B!.id,
      label: 'x',
    });
    expect(create.status).toBe(404);
    expect((await call('DELETE', `/v1/api-keys/${bKey.id}`, bearer(A!.token))).status).toBe(404);
    const list = (await (await call('GET', `/v1/api-keys?funderId=${B!.id}`, bearer(A!.token))).json()) as any;
    expect(list.data).toEqual([]);
    const after = (await (await call('GET', '/v1/api-keys', bearer(TEST_ADMIN_TOKEN))).json()) as any;
    expect(after.data).toHaveLength(before.data.length); // nothing was created
    expect(after.data.find((k: any) => k.id === bKey.id).revokedAt).toBeNull(); // nor revoked
  });

  it('refuses a funder any other role of key (403, French and English), creating nothing', async () => {
    const [A] = funders;
    const count = async () => ((await (await call('GET', '/v1/api-keys', bearer(A!.token))).json()) as any).data.length;
    const n = await count();
    for (const body of [
      { role: 'admin', label: 'x' },
      { role: 'auditor', funderIds: [A!.id], label: 'x' },
      { role: 'grantee', granteeId: A!.id, label: 'x' },
    ]) {
      const fr = await call('POST', '/v1/api-keys', bearer(A!.token), body);
      expect(fr.status).toBe(403);
      expect(((await fr.json()) as any).detail).toMatch(/bailleur de fonds/);
      const en = await call('POST', '/v1/api-keys', bearer(A!.token), body, 'en');
      expect(((await en.json()) as any).detail).toMatch(/a funder creates only funder keys/);
    }
    expect(await count()).toBe(n);
  });
});

describe('a principal signed for the edge (the web service acting for a signed-in person)', () => {
  it('lists, creates and revokes as that funder', async () => {
    const [A] = funders;
    const p = officer(A!.id);
    const list = await call('GET', '/v1/api-keys', signed(p, 'GET', '/v1/api-keys'));
    expect(list.status).toBe(200);
    const input = { role: 'funder', label: 'depuis la page' };
    // the body is under the signature: the same header with another body is refused
    const tampered = signed(p, 'POST', '/v1/api-keys', 'edge', TEST_INTERNAL_SECRET, input);
    expect((await call('POST', '/v1/api-keys', tampered, { ...input, label: 'autre' })).status).toBe(401);
    const r = await call(
      'POST',
      '/v1/api-keys',
      signed(p, 'POST', '/v1/api-keys', 'edge', TEST_INTERNAL_SECRET, input),
      input,
    );
    expect(r.status).toBe(201);
    const k = (await r.json()) as any;
    expect(k.funderId).toBe(A!.id);
    expect((await call('DELETE', `/v1/api-keys/${k.id}`, signed(p, 'DELETE', `/v1/api-keys/${k.id}`))).status).toBe(
      204,
    );
  });

  it('refuses a signature for another request, another audience or another secret (401), and a Bearer wins over it', async () => {
    const [A, B] = funders;
    const p = officer(A!.id);
    for (const h of [
      signed(p, 'GET', '/v1/api-keys?funderId=x'),
      signed(p, 'POST', '/v1/api-keys'),
      signed(p, 'GET', '/v1/api-keys', 'obligations'),
      signed(p, 'GET', '/v1/api-keys', 'edge', 'another-secret-of-at-least-thirty-two-chars'),
    ]) {
      const r = await call('GET', '/v1/api-keys', h);
      expect(r.status).toBe(401);
    }
    // with a Bearer token the header is ignored: B's token lists B's keys, whatever A's signature says
    const both = await call('GET', '/v1/api-keys', { ...bearer(B!.token), ...signed(p, 'GET', '/v1/api-keys') });
    const data = ((await both.json()) as any).data;
    expect(data.every((k: any) => k.funderId === B!.id)).toBe(true);
  });
});
