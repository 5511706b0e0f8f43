import type { Bilingual } from './i18n';

/**
 * The one error type of the system. Each code says *when* it is thrown; the HTTP middleware maps it
 * to an RFC 9457 problem.
 */
export const errorCodes = {
  /** the request itself is unusable before any route: dot-segments or encoded slashes in the path, a body on GET (400) */
  bad_request: 400,
  /** the request body or parameters break the contract or a business rule on input (422) */
  validation_failed: 422,
  /** no or an unknown/revoked credential (401) */
  unauthenticated: 401,
  /** valid credential, role not allowed on this route (403) */
  forbidden: 403,
  /** the resource does not exist *for this tenant* — also for another tenant's resources (404) */
  not_found: 404,
  /** the request conflicts with stored state: same key/ref with other content, illegal transition (409) */
  conflict: 409,
  /** body larger than the route accepts (413) */
  payload_too_large: 413,
  /** content type the route does not accept (415) */
  unsupported_media_type: 415,
  /** too many requests (authentication failures from one address, heavy reads of one key): retry after `Retry-After` (429) */
  rate_limited: 429,
  /** route documented in the contract but not built yet (501) */
  not_implemented: 501,
  /**
   * a dependency (database, broker, Praxis, another service) is unreachable, or a projection has not
   * yet reached an id its owner confirms (503, always with `Retry-After`)
   */
  unavailable: 503,
  /** anything unexpected (500) */
  internal: 500,
} as const;
export type ErrorCode = keyof typeof errorCodes;

/** `message` is English; `fr`, when given, is what a French (default) caller reads instead. */
export interface FieldError {
  path?: string;
  row?: number;
  column?: string;
  message: string;
  fr?: string;
}

/** Seconds a client is told to wait before retrying a 503 whose thrower named no delay. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

export class AppError extends Error {
  readonly status: number;
  /** the French text of `message`, when the thrower wrote one */
  readonly fr?: string;
  /** for a 503: how long the client should wait before trying again (the `Retry-After` header) */
  readonly retryAfterSeconds?: number;
  constructor(
    readonly code: ErrorCode,
    message: string | Bilingual,
    readonly errors?: FieldError[],
    opts: { retryAfterSeconds?: number } = {},
  ) {
    super(typeof message === 'string' ? message : message.en);
    this.name = 'AppError';
    this.status = errorCodes[code];
    if (typeof message !== 'string') this.fr = message.fr;
    if (opts.retryAfterSeconds !== undefined) this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

/** A field error in both languages. */
export const fieldError = (path: string, text: Bilingual): FieldError => ({ path, message: text.en, fr: text.fr });

/** 404 for a missing object — and for another tenant's, which must look the same. `what` names it (English, French). */
export const notFound = (what: string, quoi = 'ressource'): AppError =>
  new AppError('not_found', { en: `${what} not found`, fr: `${quoi} introuvable` });
/** 503: try again in `retryAfterSeconds` (a dependency is down, or a projection is catching up). */
export const unavailable = (message: string | Bilingual, retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS): AppError =>
  new AppError('unavailable', message, undefined, { retryAfterSeconds });
/** 429 with `Retry-After` (whole seconds, at least 1). */
export const rateLimited = (retryAfterSeconds: number, text: Bilingual): AppError =>
  new AppError('rate_limited', text, undefined, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });
export const invalid = (errors: FieldError[], message = 'the request is invalid'): AppError =>
  new AppError('validation_failed', message, errors);
