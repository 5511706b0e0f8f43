import http from 'node:http';
import { AppError, verifyPrincipal } from '@pc/service-kit';
import { httpNoteVerifier } from '../src/adapters/note-verifier-http';

// The HTTP adapter of the NoteVerifier port against a stand-in of the connector's internal API
// (the real connector is exercised by the lead's cross-service end-to-end test).
const secret = 'adapter-test-secret-0123456789';
let server: http.Server;
let base = '';
let answer: { status: number; body: unknown } = { status: 200, body: {} };
const seen: { principal: unknown; body: unknown; path: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      seen.push({
        // signed for this very request, to the connector (the check the connector's HTTP app makes)
        principal: verifyPrincipal(req.headers['x-pc-principal'] as string, secret, {
          method: req.method ?? '',
          target: req.url ?? '',
          audience: 'praxis-connector',
          body: raw,
        }),
        body: JSON.parse(raw),
        path: req.url ?? '',
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const request = {
  url: 'https://praxis.encommun.io/n/abc/',
  locale: 'fr' as const,
  agreement: {
    id: 'a',
    funderId: 'f',
    referenceCode: 'PX-1',
    externalRef: 'E-1',
    startDate: '2027-01-01',
    dueDate: '2027-09-01',
  },
};
const checks = ['host_allowed', 'publicly_accessible', 'mentions_reference', 'published_in_window'].map((name) => ({
  name,
  passed: true,
  detail: 'ok',
}));

describe('HTTP NoteVerifier (praxis-connector internal API)', () => {
  it('posts the request signed as the obligations service and returns the checks and note', async () => {
    const note = {
      url: request.url,
      noteId: 'abc',
      title: 'T',
      textSha256: 'h',
      publishedOn: null,
      firstSeenAt: '2027-05-01T00:00:00.000Z',
      verifiedAt: '2027-05-01T00:00:00.000Z',
      late: false,
    };
    answer = { status: 200, body: { checks, note } };
    const r = await httpNoteVerifier(base, secret).verify(request);
    expect(r).toEqual({ checks, note });
    expect(seen.at(-1)).toEqual({
      path: '/internal/v1/verifications',
      body: request,
      principal: { keyId: 'system:obligations', role: 'admin', funderId: null, funderIds: [], granteeId: null },
    });
  });

  it('turns an error status, a malformed answer or an unreachable connector into 503', async () => {
    answer = { status: 500, body: { detail: 'boom' } };
    await expect(httpNoteVerifier(base, secret).verify(request)).rejects.toMatchObject({
      code: 'unavailable',
      status: 503,
    });
    answer = { status: 200, body: { checks: 'nope' } };
    await expect(httpNoteVerifier(base, secret).verify(request)).rejects.toBeInstanceOf(AppError);
    await expect(httpNoteVerifier('http://127.0.0.1:1', secret).verify(request)).rejects.toMatchObject({
      code: 'unavailable',
    });
  });
});
