import crypto from 'node:crypto';
import { PRINCIPAL_HEADER, signPrincipal, type IdOwner, type Principal } from '@pc/service-kit';
import { deleteVhost, freshDatabase, freshVhost } from './infra';

/**
 * Made anew for each test process (no service has a default secret any more); the services a test
 * starts get it through `testEnv`, and `asPrincipal` signs with it.
 */
export const TEST_INTERNAL_SECRET = `test-${crypto.randomBytes(24).toString('base64url')}`;
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
/** Signs and checks the contact links of reminder emails (notifier, web). */
export const TEST_CONTACT_LINK_SECRET = `test-${crypto.randomBytes(24).toString('base64url')}`;

export interface TestEnv {
  env: NodeJS.ProcessEnv;
  databaseUrl: string;
  amqpUrl: string;
  /** Drops the vhost (databases are dropped by globalTeardown). */
  cleanup(): void;
}

/**
 * A fresh database (cloned from the migrated template) and a fresh vhost for one test file, as the
 * environment a service's `load…Config` parses. Services listen on port 0 (any free port).
 */
export async function testEnv(extra: NodeJS.ProcessEnv = {}): Promise<TestEnv> {
  const databaseUrl = await freshDatabase();
  const amqpUrl = freshVhost();
  return {
    databaseUrl,
    amqpUrl,
    env: {
      DATABASE_URL: databaseUrl,
      AMQP_URL: amqpUrl,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      CONTACT_LINK_SECRET: TEST_CONTACT_LINK_SECRET,
      VALIDATE_RESPONSES: 'true',
      PORT: '0',
      HOST: '127.0.0.1',
      // Tests poll reports and try wrong tokens on purpose, all from 127.0.0.1: the edge's abuse
      // limits are set out of reach here; the test of the limits sets its own.
      AUTH_FAILURES_PER_MINUTE: '100000',
      HEAVY_READS_PER_MINUTE: '100000',
      HEAVY_READS_PER_MINUTE_PER_ADDRESS: '100000',
      // One service under test runs without the services that produce its events (a test plays
      // them on the bus): its jobs have no producer to wait for. Tests of waiting turn it on.
      CATCH_UP_ENABLED: 'false',
      CATCH_UP_POLL_MS: '100',
      ...extra,
    },
    cleanup: () => deleteVhost(amqpUrl),
  };
}

/** The header `asPrincipal` puts on a request; the signing fetch replaces it, it never leaves the process. */
const AS_PRINCIPAL = 'x-pc-test-as-principal';

/**
 * Headers that make a direct call to an internal service act as `p` (what the edge would sign).
 * A principal is signed for one request (method, path and query, service, 30 s), which these
 * headers do not know yet, so they carry `p` in a placeholder that the test process's `fetch`
 * (wrapped when the test kit is loaded, see `installSigningFetch`) turns into the real signed
 * header as it sends.
 */
export function asPrincipal(p: Partial<Principal> & Pick<Principal, 'role'>): Record<string, string> {
  const full: Principal = {
    keyId: p.keyId ?? '00000000-0000-4000-8000-000000000001',
    role: p.role,
    funderId: p.funderId ?? null,
    funderIds: p.funderIds ?? (p.funderId ? [p.funderId] : []),
    granteeId: p.granteeId ?? null,
    // a signed-in grantee contact (the pages) is its email
    ...(p.contactEmail !== undefined ? { contactEmail: p.contactEmail } : {}),
  };
  return { [AS_PRINCIPAL]: Buffer.from(JSON.stringify(full)).toString('base64url') };
}

/**
 * The owner of ids (IdOwner port) for a service tested alone: ids exist there only through the events
 * a test publishes, each applied before the test goes on, so the owner knows nothing the service's
 * projection lacks and every 404 stands. Read-your-writes against the real owner (the agreements
 * service) is tested where both run (tests/e2e, services/obligations/test/read-your-writes.test.ts).
 */
export const ownerOfNothing: IdOwner = { exists: () => Promise.resolve(false) };

const audiences = new Map<string, Promise<string>>();

/** The service listening at `origin`, as its `/healthz` names itself: the audience to sign for. */
function audienceOf(origin: string, send: typeof fetch): Promise<string> {
  let known = audiences.get(origin);
  if (!known) {
    known = send(`${origin}/healthz`)
      .then((r) => r.json() as Promise<{ service?: string }>)
      .then((h) => {
        if (!h.service) throw new Error(`${origin}/healthz does not name its service`);
        return h.service;
      });
    known.catch(() => audiences.delete(origin));
    audiences.set(origin, known);
  }
  return known;
}

let installed = false;

/** What `fetch` sends for a body, so the signature covers those very bytes. */
async function bodyBytes(
  body: RequestInit['body'] | ArrayBuffer | undefined,
): Promise<Uint8Array | string | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  throw new Error('asPrincipal: sign a string, bytes or a Blob body (a stream cannot be signed ahead)');
}

/**
 * Wraps this process's global `fetch` once: a request carrying `asPrincipal`'s placeholder is sent
 * with `x-pc-principal` signed for its own method, path and query, and the service at its origin.
 * Requests without the placeholder go out untouched.
 */
export function installSigningFetch(): void {
  if (installed) return;
  installed = true;
  const send = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const placeholder = headers.get(AS_PRINCIPAL);
    if (placeholder === null) return send(input, init);
    headers.delete(AS_PRINCIPAL);
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const p = JSON.parse(Buffer.from(placeholder, 'base64url').toString('utf8')) as Principal;
    const audience = await audienceOf(url.origin, send);
    headers.set(
      PRINCIPAL_HEADER,
      signPrincipal(p, TEST_INTERNAL_SECRET, {
        method,
        target: url.pathname + url.search,
        audience,
        body: await bodyBytes(init?.body ?? (input instanceof Request ? await input.clone().arrayBuffer() : undefined)),
      }),
    );
    return send(input, { ...init, headers });
  };
}

// At load, not on the first `asPrincipal`: in `fetch(url, { headers: asPrincipal(p) })` the callee
// is looked up before its arguments run, so a wrap made inside would miss that first request.
installSigningFetch();
