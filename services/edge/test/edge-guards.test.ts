import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyPrincipal } from '@pc/service-kit';
import { testEnv, TEST_ADMIN_TOKEN, TEST_INTERNAL_SECRET, type TestEnv } from '@pc/testkit';
import { startEdge, type RunningEdge } from '../src/main';
import { loadEdgeConfig } from '../src/config';

// What the edge refuses before forwarding, against a stand-in upstream that records every request it
// gets: dot-segment paths (they once reached the obligations service's /metrics), bodies on GET,
// and the abuse limits (failed authentications per address, heavy reads per key). The principal it
// forwards is signed for that one request and service.
let t: TestEnv;
let edge: RunningEdge;
let upstream: http.Server;
let base = '';
let edgePort = 0;
const seen: { method: string; url: string; principal: string; body: string }[] = [];
let funderKey = '';

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        principal: String(req.headers['x-pc-principal'] ?? ''),
        body,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const u = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  t = await testEnv({ AUTH_FAILURES_PER_MINUTE: '5', HEAVY_READS_PER_MINUTE: '3' });
  edge = await startEdge(
    loadEdgeConfig({ ...t.env, OBLIGATIONS_URL: u, REPORTS_URL: u, NOTIFIER_URL: u, AGREEMENTS_URL: u }),
  );
  edgePort = edge.port;
  base = `http://127.0.0.1:${edgePort}`;
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const funder = (await (
    await fetch(base + '/v1/funders', { method: 'POST', headers: admin, body: '{"name":"F","kind":"other"}' })
  ).json()) as { id: string };
  funderKey = (
    (await (
      await fetch(base + '/v1/api-keys', {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ role: 'funder', funderId: funder.id, label: 'k' }),
      })
    ).json()) as { token: string }
  ).token;
});
afterAll(async () => {
  await edge?.stop();
  await new Promise<void>((r) => upstream?.close(() => r()));
  t?.cleanup();
});

/** A raw request: fetch would resolve `..` itself before sending, and never sends a GET body. */
function raw(
  method: string,
  path: string,
  token: string,
  body?: string,
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${token}` };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request({ host: '127.0.0.1', port: edgePort, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the edge before forwarding', () => {
  it('refuses dot-segments and encoded slashes (400), and never forwards them', async () => {
    for (const path of [
      '/v1/obligations/../../metrics',
      '/v1/obligations/%2e%2e/%2e%2e/metrics',
      '/v1/obligations/.%2E/.%2E/metrics',
      '/v1/obligations/..%2f..%2fmetrics',
      '/v1/obligations%2f..%2f..%2fmetrics',
      '/v1/obligations\\..\\..\\metrics',
      '/v1/obligations//x',
    ]) {
      const r = await raw('GET', path, funderKey);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
    }
    expect(seen).toEqual([]);
  });

  it('forwards a principal signed for that one request and service', async () => {
    const r = await raw('GET', '/v1/obligations?limit=5', funderKey);
    expect(r.status).toBe(200);
    const got = seen.at(-1)!;
    expect(got.url).toBe('/v1/obligations?limit=5');
    const p = verifyPrincipal(got.principal, TEST_INTERNAL_SECRET, {
      method: 'GET',
      target: '/v1/obligations?limit=5',
      audience: 'obligations',
    });
    expect(p.role).toBe('funder');
    // the same header, replayed to another service or route, is worth nothing
    expect(() =>
      verifyPrincipal(got.principal, TEST_INTERNAL_SECRET, {
        method: 'GET',
        target: '/v1/obligations?limit=5',
        audience: 'reports',
      }),
    ).toThrow(/signed for another request/);

    // a quote the URL parser percent-encodes on the way: signed as sent, so the service accepts it
    expect((await raw('GET', "/v1/obligations?programme=O'Brien", funderKey)).status).toBe(200);
    const quoted = seen.at(-1)!;
    expect(quoted.url).toBe('/v1/obligations?programme=O%27Brien');
    expect(
      verifyPrincipal(quoted.principal, TEST_INTERNAL_SECRET, {
        method: 'GET',
        target: quoted.url,
        audience: 'obligations',
      }).role,
    ).toBe('funder');
  });

  it('reads and forwards a body only for methods that have one', async () => {
    const before = seen.length;
    expect((await raw('GET', '/v1/obligations', funderKey, '{"x":1}')).status).toBe(400);
    expect(seen.length).toBe(before);
    const put = await raw('PUT', '/v1/me/contacts/a%40example.org/preferences', funderKey, '{"locale":"en"}');
    expect(put.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', body: '{"locale":"en"}' });
  });

  it('limits heavy reads per key (429 with Retry-After), a PDF counting five; other reads go on', async () => {
    const before = seen.length;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await raw('GET', '/v1/reports/compliance', funderKey)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await raw('GET', '/v1/reports/compliance?format=pdf', funderKey);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(limited.text).detail).toMatch(/trop de rapports/);
    expect(seen.length).toBe(before + 3);
    expect((await raw('GET', '/v1/obligations', funderKey)).status).toBe(200);
  });

  // Runs last: it spends this address's budget. 300 bad tokens once gave 300 × 401.
  it('answers 429 to an address after its failed authentications, even with a good token then', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await raw('GET', '/v1/obligations', `pk_${'0'.repeat(32)}_wrong${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const good = await raw('GET', '/v1/obligations', funderKey);
    expect(good.status).toBe(429); // no oracle: the token is not even checked while throttled
    expect(Number(good.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(good.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await raw('GET', '/v1/funders', TEST_ADMIN_TOKEN)).status).toBe(429);
  });
});
