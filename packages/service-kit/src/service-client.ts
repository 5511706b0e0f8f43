import { AppError } from './errors';
import { PRINCIPAL_HEADER, signPrincipal, systemPrincipal, type Principal } from './principal';

export interface ServiceClientOptions {
  /** the calling service: its own calls are signed as `system:<caller>` */
  caller: string;
  /** the service called, as it names itself: the audience its signature is checked against */
  audience: string;
  /** where it listens (`http://127.0.0.1:8083`) */
  baseUrl: string;
  secret: string;
}

export type ServiceCall = RequestInit & {
  /** act for this principal instead of the calling service itself (a read on behalf of a caller) */
  as?: Principal;
};

/** `fetch` of one path of another service. */
export type ServiceFetch = (path: string, init?: ServiceCall) => Promise<Response>;

/** The bytes `fetch` will send for `body`, which the signature covers; a stream cannot be signed ahead. */
function signableBody(body: RequestInit['body'], audience: string): Uint8Array | string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof URLSearchParams) return body.toString();
  throw new AppError('internal', `service call body to ${audience} must be a string or bytes to be signed`);
}

/**
 * The one way a service calls another: every request carries a principal signed for exactly that
 * request (method, path and query, audience, body digest, a 30 s expiry), the same signature the edge puts on
 * what it forwards, so the callee checks both alike and a captured header is good for nothing else.
 */
export function serviceClient(opts: ServiceClientOptions): ServiceFetch {
  const base = new URL(opts.baseUrl);
  return (path, init = {}) => {
    // `//host/…` or a full URL would leave the service's origin with its signature
    if (!path.startsWith('/') || path.startsWith('//'))
      throw new AppError('internal', `service call path must be absolute on ${opts.audience}: ${path}`);
    const { as, ...rest } = init;
    const url = new URL(path, base);
    const method = (rest.method ?? 'GET').toUpperCase();
    const headers = new Headers(rest.headers);
    headers.set(
      PRINCIPAL_HEADER,
      signPrincipal(as ?? systemPrincipal(opts.caller), opts.secret, {
        method,
        target: url.pathname + url.search,
        audience: opts.audience,
        body: signableBody(rest.body, opts.audience),
      }),
    );
    return fetch(url, { ...rest, method, headers });
  };
}
