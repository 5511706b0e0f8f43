/**
 * Service-to-service calls: one service asking another over an internal route (`/internal/v1/…`,
 * never proxied by the edge). Every such call goes through `internalClient` and every such route
 * checks `requireServiceCaller`, so a change to how these calls are signed or checked is made here
 * once and applies to every caller and every route.
 */
import type { z } from 'zod';
import { LOOKUPS_PATH, lookupResponse, type LookupRequestBody } from '@pc/contracts';
import { AppError, DEFAULT_RETRY_AFTER_SECONDS } from './errors';
import type { Principal } from './principal';
import { serviceClient } from './service-client';

/** Key ids of service identities (`systemPrincipal`) start with this; no API key id (a uuid) or 'bootstrap' does. */
const SERVICE_KEY_PREFIX = 'system:';

/** An internal route admits only another service's signed identity (403 for a person's key). */
export function requireServiceCaller(p: Principal): void {
  if (p.role !== 'admin' || !p.keyId.startsWith(SERVICE_KEY_PREFIX))
    throw new AppError('forbidden', {
      en: 'only another service of the system may call this internal route',
      fr: 'seul un autre service du système peut appeler cette route interne',
    });
}

export interface InternalClientOptions {
  /** the calling service (its signed identity) */
  caller: string;
  /** the called service, as it names itself (the signature's audience) and as errors name it */
  target: string;
  baseUrl: string;
  internalSecret: string;
  /** how long one call may take before the target counts as unavailable */
  timeoutMs: number;
  /** Retry-After of the 503 a failed call becomes */
  retryAfterSeconds?: number;
}

export interface InternalClient {
  /**
   * POSTs `body` as JSON to `path`, signed as the caller, and parses a 200 answer with `answer` (the
   * schema of @pc/contracts the server answers with). Unreachable, slow, non-200 or malformed → 503:
   * the caller cannot tell what the target would have said, so it must not guess.
   */
  post<S extends z.ZodType>(path: string, body: unknown, answer: S): Promise<z.infer<S>>;
}

export function internalClient(opts: InternalClientOptions): InternalClient {
  const retryAfterSeconds = opts.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  // Signed for this one request (method, path, audience, short expiry): see serviceClient.
  const send = serviceClient({
    caller: opts.caller,
    audience: opts.target,
    baseUrl: opts.baseUrl,
    secret: opts.internalSecret,
  });
  const down = (en: string, fr: string): AppError =>
    new AppError('unavailable', { en, fr }, undefined, { retryAfterSeconds });
  return {
    async post(path, body, answer) {
      let res: Response;
      try {
        res = await send(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
      } catch (err) {
        const why = (err as Error).message;
        throw down(
          `the ${opts.target} service cannot be reached (${why}); try again later`,
          `le service ${opts.target} est injoignable (${why}) ; réessayez plus tard`,
        );
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw down(
          `the ${opts.target} service answered ${res.status}; try again later`,
          `le service ${opts.target} a répondu ${res.status} ; réessayez plus tard`,
        );
      }
      const parsed = answer.safeParse(await res.json().catch(() => null));
      if (!parsed.success)
        throw down(
          `the ${opts.target} service gave an unexpected answer; try again later`,
          `le service ${opts.target} a donné une réponse inattendue ; réessayez plus tard`,
        );
      return parsed.data;
    },
  };
}

/** The owner of ids other services learn of through events: does this id exist for this scope? */
export interface IdOwner {
  /** true or false from the owner; AppError 503 (Retry-After) when the owner cannot be asked */
  exists(q: LookupRequestBody): Promise<boolean>;
}

/**
 * The agreements service's `POST /internal/v1/lookups` (it owns programmes, agreements, obligation
 * ids and contacts). Short timeout: the asking request has at most 5 s in all.
 */
export function agreementsLookups(opts: {
  caller: string;
  baseUrl: string;
  internalSecret: string;
  timeoutMs?: number;
}): IdOwner {
  const agreements = internalClient({
    caller: opts.caller,
    target: 'agreements',
    baseUrl: opts.baseUrl,
    internalSecret: opts.internalSecret,
    timeoutMs: opts.timeoutMs ?? 2000,
  });
  return {
    async exists(q) {
      return (await agreements.post(LOOKUPS_PATH, q, lookupResponse)).exists;
    },
  };
}
