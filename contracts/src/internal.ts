/**
 * Internal HTTP contracts: routes one service calls on another, signed as that service and never
 * proxied by the edge (so not in `openapi.yaml`). The server parses its request with the schema here
 * and the caller parses the answer with it, so the two sides cannot drift apart.
 */
import { z } from 'zod';
import { locale } from './events';

/** A real calendar date written YYYY-MM-DD (2024-02-30 is refused, not rolled over). */
const calendarDate = z.string().refine((s) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}, 'must be a calendar date YYYY-MM-DD');

/**
 * `POST /internal/v1/verifications` (obligations → praxis-connector): the four Praxis checks of a
 * note a grantee declared for one agreement. Requires a signed service identity (`system:<service>`).
 */
export const VERIFICATIONS_PATH = '/internal/v1/verifications';

/** The checks the connector answers, always all four and in this order. */
export const praxisCheckName = z.enum([
  'host_allowed',
  'publicly_accessible',
  'mentions_reference',
  'published_in_window',
]);

export const verificationRequest = z.object({
  url: z.string().min(1).max(2048),
  /** language of the checks' details; French when absent */
  locale: locale.default('fr'),
  agreement: z.object({
    id: z.uuid(),
    funderId: z.uuid(),
    referenceCode: z.string().min(1).max(200),
    externalRef: z.string().max(200).nullable().default(null),
    startDate: calendarDate,
    dueDate: calendarDate,
  }),
}); // unknown fields are ignored: a caller adding context (obligation id…) must not break verification

export const verificationResponse = z.object({
  checks: z.array(z.object({ name: praxisCheckName, passed: z.boolean(), detail: z.string() })),
  /** the note as verified, present iff every check passed */
  note: z
    .object({
      url: z.string(),
      noteId: z.string(),
      title: z.string(),
      textSha256: z.string(),
      publishedOn: z.string().nullable(),
      firstSeenAt: z.string(),
      verifiedAt: z.string(),
      /** published after the agreement's due date: accepted, recorded as late */
      late: z.boolean(),
    })
    .nullable(),
});

/** What a caller sends (defaults not yet applied). */
export type VerificationRequestBody = z.input<typeof verificationRequest>;
/** What the connector answers. */
export type VerificationResponseBody = z.infer<typeof verificationResponse>;

/**
 * `POST /internal/v1/lookups` (obligations, reports, notifier → agreements, the owner of these ids):
 * does this id exist for this scope? Asked by a service whose own projection (built from events) does
 * not have the id yet, so it can tell "not yet" (wait for the event) from "never, or not yours" (404).
 * Requires a signed service identity. The scope is the caller's tenant rule for the route, so another
 * tenant's id and an unknown one get the same answer from the same query.
 */
export const LOOKUPS_PATH = '/internal/v1/lookups';

/** Whose ids the answer may confirm: some funders' (a funder, an auditor's scope) or one grantee's. */
export const lookupScope = z.union([
  // guid: any uuid layout a uuid column holds (ids of tests and imports are not all version 4)
  z.object({ funderIds: z.array(z.guid()).max(500) }).strict(),
  z.object({ granteeId: z.guid() }).strict(),
]);

export const lookupRequest = z.object({
  /**
   * obligation: an obligation id; agreement: an agreement id; programme: a programme id or code;
   * contact: an email address among the contacts of the scope's agreements (grantee scope only)
   */
  kind: z.enum(['obligation', 'agreement', 'programme', 'contact']),
  key: z.string().min(1).max(320),
  scope: lookupScope,
});

export const lookupResponse = z.object({ exists: z.boolean() });

export type LookupRequestBody = z.input<typeof lookupRequest>;
export type LookupRequest = z.infer<typeof lookupRequest>;
export type LookupScope = z.infer<typeof lookupScope>;
export type LookupResponseBody = z.infer<typeof lookupResponse>;

/**
 * `GET /internal/v1/outbox/watermark` (any service → any service with an outbox): how far the
 * service's outbox has gone, for a job's worker that must have consumed everything accepted before
 * the job. Every service answers it (the bus runtime mounts it); requires a signed principal with
 * role admin. Query: `types` (comma-separated event types), optionally `above` and `upto`.
 */
export const WATERMARK_PATH = '/internal/v1/outbox/watermark';

const seq = z.coerce.number().int().nonnegative();

export const watermarkQuery = z.object({
  /** the event types bound to the asking queue: only these rows are counted */
  types: z
    .string()
    .min(1)
    .transform((s) => s.split(',').filter(Boolean)),
  /** count rows above this outbox row number (the asker's floor); 0 when absent */
  above: seq.default(0),
  /** count rows up to this outbox row number (a watermark taken earlier); the current one when absent */
  upto: seq.optional(),
});

export const watermarkResponse = z.object({
  service: z.string(),
  /** the highest outbox row number committed when asked (or `upto` when given) */
  watermark: z.number().int().nonnegative(),
  /**
   * every row above this number is still held (published rows are purged after a retention): rows
   * at or below it cannot be counted any more, by either side
   */
  floor: z.number().int().nonnegative(),
  /** rows of `types` numbered in (max(above, floor), watermark] */
  count: z.number().int().nonnegative(),
});

export type WatermarkResponse = z.infer<typeof watermarkResponse>;
