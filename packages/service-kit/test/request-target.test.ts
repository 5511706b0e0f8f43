import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpApp, createLogger, routeOf, unsafeTargetReason } from '../src';

// What every service refuses before routing (the edge first of all): a target the forwarding URL
// parser would rewrite (dot-segments, encoded slashes, backslashes), and bodies on bodiless methods.
describe('request targets', () => {
  it.each([
    ['/v1/obligations/../../metrics', 'dot-segment'],
    ['/v1/obligations/%2e%2e/%2E%2E/metrics', 'dot-segment'],
    ['/v1/obligations/.%2e/metrics', 'dot-segment'],
    ['/v1/obligations/./x', 'dot-segment'],
    ['/v1/obligations/..', 'dot-segment'],
    ['/v1/obligations/a%2f..%2fmetrics', 'encoded slash'],
    ['/v1/obligations/a%5cb', 'encoded slash'],
    ['/v1/obligations\\..\\metrics', 'backslash'],
    ['/v1//obligations', 'empty path segment'],
    ['//evil.example/v1/obligations', 'empty path segment'],
    ['http://evil.example/v1/obligations', 'must be a path'],
    ['/v1/obligations/%zz', 'malformed percent-encoding'],
    ['/v1/obligations/a%00', 'control character'],
  ])('%s is refused (%s)', (target, why) => {
    expect(unsafeTargetReason(target)).toContain(why);
  });

  it.each([
    '/v1/obligations',
    '/v1/obligations/',
    '/v1/me/contacts/a.b%40example.org/preferences',
    '/v1/me/calendar.ics',
    '/v1/obligations?x=../..',
    '/v1/agreements/...',
  ])('%s is accepted', (target) => {
    expect(unsafeTargetReason(target)).toBeNull();
  });

  it('names a request by its contract template, never by its raw path', () => {
    expect(routeOf({ originalUrl: '/v1/me/contacts/a@example.org/preferences?x=y' })).toBe(
      '/v1/me/contacts/{email}/preferences',
    );
    expect(routeOf({ originalUrl: '/v1/jobs/evaluate' })).toBe('/v1/jobs/evaluate');
    expect(routeOf({ originalUrl: '/v1/jobs/0b7f0000-0000-4000-8000-000000000000' })).toBe('/v1/jobs/{id}');
    expect(routeOf({ originalUrl: '/internal/v1/things/7', route: { path: '/internal/v1/things/:id' } })).toBe(
      '/internal/v1/things/:id',
    );
    expect(routeOf({ originalUrl: '/v1/nowhere/a@example.org' })).toBe('unmatched');
  });
});

describe('every service refuses before routing', () => {
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    const { app } = createHttpApp({
      service: 'test',
      logger: createLogger('test', 'silent'),
      routes: (a) => {
        a.get('/v1/things', (req, res) => {
          res.json({ body: req.body ?? null });
        });
      },
    });
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** A raw request: fetch would resolve the dot-segments before sending. */
  const raw = (method: string, path: string, body?: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers:
            body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('answers 400 to a dot-segment path, not the route it resolves to', async () => {
    for (const path of ['/v1/things/../../metrics', '/v1/things/%2e%2e/%2e%2e/metrics', '/v1/x/..%2f..%2fmetrics']) {
      const r = await raw('GET', path);
      expect(r.status).toBe(400);
      expect(r.text).not.toContain('process_cpu');
    }
  });

  it('refuses a body on GET instead of reading it', async () => {
    expect((await raw('GET', '/v1/things', '{"a":1}')).status).toBe(400);
    expect(await raw('GET', '/v1/things')).toEqual({ status: 200, text: '{"body":null}' });
  });
});

// A contact's email in the path was logged in clear ("url":"/v1/me/contacts/a@example.org/…").
describe('HTTP logs', () => {
  it('carry the route template, never the raw path or query', async () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'info', { write: (l: string) => void lines.push(l) });
    const { app } = createHttpApp({
      service: 'test',
      logger,
      routes: (a) => {
        a.put('/v1/me/contacts/:email/preferences', (_req, res) => {
          res.json({});
        });
      },
    });
    const server = await new Promise<http.Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const { port } = server.address() as AddressInfo;
      const base = `http://127.0.0.1:${port}`;
      await fetch(`${base}/v1/me/contacts/ana.secret%40example.org/preferences?who=ana.secret`, { method: 'PUT' });
      await fetch(`${base}/v1/unknown/ana.secret@example.org`);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    const requests = lines.map((l) => JSON.parse(l) as { req?: { route?: string } }).filter((l) => l.req);
    expect(requests.map((l) => l.req?.route)).toEqual(['/v1/me/contacts/{email}/preferences', 'unmatched']);
    expect(lines.join('\n')).not.toMatch(/ana\.secret/);
  });
});

describe('log lines', () => {
  it('never carry an email address, wherever it sits; a Message-ID hash is kept', () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'info', { write: (l: string) => void lines.push(l) });
    logger.warn({ reason: '550 5.1.1 <ana.b+x@example.org>: Recipient address rejected' }, 'not delivered');
    logger.info({ path: '/v1/me/contacts/ana.b%40example.org/preferences' }, 'x');
    logger.error({ err: new Error('unknown contact Ana.B@Example.ORG') }, 'failed');
    logger.info({ messageId: '<reminder.8bf024a67efa311abdf6f617862da0b223f8d7ac@praxis-conformite.local>' }, 'sent');
    const all = lines.join('');
    expect(all).not.toMatch(/ana\.b/i);
    expect(all.match(/\[email\]/g)).toHaveLength(4); // the error's message and its stack
    expect(all).toContain('/v1/me/contacts/[email]/preferences');
    expect(all).toContain('reminder.8bf024a67efa311abdf6f617862da0b223f8d7ac@praxis-conformite.local');
    for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
  });
});
