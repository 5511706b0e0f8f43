import crypto from 'node:crypto';
import request from 'supertest';
import {
  createHttpApp,
  createLogger,
  bodyDigest,
  MAX_PRINCIPAL_TTL_S,
  principalOf,
  SeenSignatures,
  serviceClient,
  signPrincipal,
  type Principal,
} from '../src';

// The signed principal is good for one request only: issued-at and expiry (≤ 60 s), method, request
// target and audience (the service) are under the HMAC. Before, a captured header was good for ever,
// on any route of any service: one taken before a key's revocation still amended an agreement after.
const secret = crypto.randomBytes(32).toString('base64url');
const funder: Principal = { keyId: 'k1', role: 'funder', funderId: 'f1', funderIds: ['f1'], granteeId: null };

const appOf = (service: string) =>
  createHttpApp({
    service,
    logger: createLogger(service, 'silent'),
    internalSecret: secret,
    routes: (a) => {
      a.get('/v1/agreements/:id', (req, res) => {
        res.json(principalOf(req));
      });
      a.patch('/v1/agreements/:id', (req, res) => {
        res.json({ amendedBy: principalOf(req).keyId });
      });
    },
  }).app;
const agreements = appOf('agreements');
const reports = appOf('reports');

const signed = (method: string, target: string, audience = 'agreements', nowMs = Date.now()): string =>
  signPrincipal(funder, secret, { method, target, audience }, nowMs);

/** A header of the old shape: the bare principal under the HMAC, nothing else. */
const oldShape = (p: Principal, key: string): string => {
  const body = Buffer.from(JSON.stringify(p)).toString('base64url');
  return `${body}.${crypto.createHmac('sha256', key).update(body).digest('base64url')}`;
};

describe('signed principal', () => {
  it('is accepted for the request it was signed for', async () => {
    const r = await request(agreements)
      .get('/v1/agreements/a1?x=1')
      .set('x-pc-principal', signed('GET', '/v1/agreements/a1?x=1'));
    expect(r.status).toBe(200);
    expect(r.body).toEqual(funder);
  });

  it('is refused on another method, path, query or service', async () => {
    const header = signed('GET', '/v1/agreements/a1');
    const refused = [
      await request(agreements).patch('/v1/agreements/a1').set('x-pc-principal', header).send({}),
      await request(agreements).get('/v1/agreements/a2').set('x-pc-principal', header),
      await request(agreements).get('/v1/agreements/a1?funderId=f2').set('x-pc-principal', header),
      await request(reports).get('/v1/agreements/a1').set('x-pc-principal', header),
    ];
    for (const r of refused) {
      expect(r.status).toBe(401);
      expect(r.body.detail).toMatch(/signée pour une autre requête/);
    }
  });

  it('covers the body: the same header with another body is refused', async () => {
    const body = JSON.stringify({ title: 'Théâtre' });
    const header = signPrincipal(funder, secret, {
      method: 'PATCH',
      target: '/v1/agreements/a1',
      audience: 'agreements',
      body,
    });
    const other = await request(agreements)
      .patch('/v1/agreements/a1')
      .set('x-pc-principal', header)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ title: 'Autre chose' }));
    expect(other.status).toBe(401);
    expect(other.body.detail).toMatch(/signée pour un autre corps de requête/);
    expect(
      (
        await request(agreements)
          .patch('/v1/agreements/a1')
          .set('x-pc-principal', header)
          .set('content-type', 'application/json')
          .set('accept-language', 'en')
          .send('')
      ).body.detail,
    ).toMatch(/signed for another request body/);
    // a body of a type no parser reads is covered too
    const raw = await request(agreements)
      .patch('/v1/agreements/a1')
      .set('x-pc-principal', header)
      .set('content-type', 'application/octet-stream')
      .send(Buffer.from('x'));
    expect(raw.status).toBe(401);
    // the body it was signed for is accepted
    const ok = await request(agreements)
      .patch('/v1/agreements/a1')
      .set('x-pc-principal', header)
      .set('content-type', 'application/json')
      .send(body);
    expect(ok.status).toBe(200);
  });

  it('is refused when replayed to the replica that accepted it, within its 30 s', async () => {
    const header = signed('GET', '/v1/agreements/a1');
    expect((await request(agreements).get('/v1/agreements/a1').set('x-pc-principal', header)).status).toBe(200);
    const again = await request(agreements).get('/v1/agreements/a1').set('x-pc-principal', header);
    expect(again.status).toBe(401);
    expect(again.body.detail).toMatch(/déjà utilisée \(rejeu\)/);
    // a refused header is not remembered: the request it was made for still goes through
    const fresh = signed('GET', '/v1/agreements/a3');
    expect((await request(agreements).get('/v1/agreements/a4').set('x-pc-principal', fresh)).status).toBe(401);
    expect((await request(agreements).get('/v1/agreements/a3').set('x-pc-principal', fresh)).status).toBe(200);
    // the same request signed twice in the same second is two signatures, both good once
    const [one, two] = [signed('GET', '/v1/agreements/a5'), signed('GET', '/v1/agreements/a5')];
    expect(one).not.toBe(two);
    for (const h of [one, two])
      expect((await request(agreements).get('/v1/agreements/a5').set('x-pc-principal', h)).status).toBe(200);
  });

  it('keeps a bounded memory of signatures: full of live ones, it refuses rather than forgets', () => {
    const seen = new SeenSignatures(2);
    const now = 1_000;
    expect(seen.admit('a', now + 30, now)).toBe(true);
    expect(seen.admit('b', now + 30, now)).toBe(true);
    expect(seen.admit('a', now + 30, now)).toBe(false);
    expect(() => seen.admit('c', now + 30, now)).toThrow(/too many signed requests/);
    // once they expired (past the clock-skew margin) they are swept and the memory is free again
    expect(seen.admit('c', now + 70, now + 40)).toBe(true);
    expect(seen.size).toBe(1);
  });

  it('is refused once expired, and when signed for longer than 60 s', async () => {
    const stale = signed('GET', '/v1/agreements/a1', 'agreements', Date.now() - 61_000);
    const r = await request(agreements).get('/v1/agreements/a1').set('x-pc-principal', stale);
    expect(r.status).toBe(401);
    expect(r.body.detail).toMatch(/expirée/);

    // even with the right secret, a signer may not grant itself a long life
    const iat = Math.floor(Date.now() / 1000);
    const claims = {
      v: 3,
      sub: funder,
      iat,
      exp: iat + MAX_PRINCIPAL_TTL_S + 1,
      m: 'GET',
      t: '/v1/agreements/a1',
      aud: 'agreements',
      b: bodyDigest(undefined),
      n: 'x',
    };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const longLived = `${body}.${crypto.createHmac('sha256', secret).update(body).digest('base64url')}`;
    expect((await request(agreements).get('/v1/agreements/a1').set('x-pc-principal', longLived)).status).toBe(401);
  });

  it('refuses the old, unbound shape and a principal forged with the old public default secret', async () => {
    const forgedOld = oldShape(funder, 'dev-internal-secret-change-me');
    const forgedNew = signPrincipal(funder, 'dev-internal-secret-change-me', {
      method: 'GET',
      target: '/v1/agreements/a1',
      audience: 'agreements',
    });
    for (const h of [oldShape(funder, secret), forgedOld, forgedNew]) {
      const r = await request(agreements).get('/v1/agreements/a1').set('x-pc-principal', h);
      expect(r.status).toBe(401);
    }
  });

  it('is what serviceClient sends: one signature per request, for the service called', async () => {
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const s = agreements.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const { port } = server.address() as import('node:net').AddressInfo;
      const call = serviceClient({
        caller: 'obligations',
        audience: 'agreements',
        baseUrl: `http://127.0.0.1:${port}`,
        secret,
      });
      const r = await call('/v1/agreements/a9?y=2');
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ keyId: 'system:obligations', role: 'admin' });
      const onBehalf = await call('/v1/agreements/a9', {
        method: 'PATCH',
        as: funder,
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(await onBehalf.json()).toEqual({ amendedBy: 'k1' });
      const wrongAudience = serviceClient({
        caller: 'obligations',
        audience: 'reports',
        baseUrl: `http://127.0.0.1:${port}`,
        secret,
      });
      expect((await wrongAudience('/v1/agreements/a9')).status).toBe(401);
      expect(() => call('//evil.example/x')).toThrow(/absolute/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
