/**
 * The event catalog: every event that crosses the bus, its payload schema and version.
 *
 * Source of truth for events. `pnpm contracts:gen` writes one JSON Schema per event into
 * `contracts/events/` (CloudEvents envelope + data); `pnpm contracts:check` fails when they drift.
 *
 * Rules: payloads are versioned in the type name (`.v1`); a new field is optional;
 * a breaking change is a new version published beside the old one until every consumer moved.
 * Renaming a type strands the messages bound to the old routing key: don't.
 */
import { z } from 'zod';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const uuid = z.uuid();
/** A language the system speaks (French is the default where one may be omitted). */
export const locale = z.enum(['fr', 'en']);
export const obligationKind = z.enum(['learning_note', 'mid_term_note', 'final_note']);
export const obligationStatus = z.enum([
  'upcoming',
  'due_soon',
  'overdue',
  'fulfilled',
  'extended',
  'waived',
  'cancelled',
  'evidence_withdrawn',
]);

/** Who caused a change: an API key (id) or the system itself (a job, a consumer). */
export const actor = z.object({ kind: z.enum(['api_key', 'system']), id: z.string() });

const contact = z.object({
  // Personal data (Law 25): carried on the bus only to the services that must write to the person.
  name: z.string(),
  email: z.string(),
  locale,
});

/**
 * One queue of a job's worker that has not yet consumed every event a producing service had
 * committed when the job was received: `behind` events of `service` (null: the service could not
 * be asked how many).
 */
export const waitingFor = z.object({
  service: z.string(),
  queue: z.string(),
  behind: z.number().int().nonnegative().nullable(),
});

/** An obligation as derived by the agreements service (it owns the due rules). */
const derivedObligation = z.object({
  id: uuid,
  requirementId: uuid,
  kind: obligationKind,
  /** 1..count within its requirement: a requirement with count 2 yields sequences 1 and 2. */
  sequence: z.number().int().positive(),
  dueDate: isoDate,
});

const agreementSnapshot = z.object({
  agreementId: uuid,
  funderId: uuid,
  programmeId: uuid,
  programmeCode: z.string(),
  externalRef: z.string(),
  referenceCode: z.string(),
  title: z.string(),
  startDate: isoDate,
  endDate: isoDate,
  signedAt: isoDate.nullable(),
  grantee: z.object({ id: uuid, name: z.string(), neq: z.string().nullable() }),
  contacts: z.array(contact),
  /** The full set of obligations this agreement now has; consumers reconcile to it. */
  obligations: z.array(derivedObligation),
  /** Monotonic per agreement: lets a consumer ignore a stale or reordered snapshot. */
  revision: z.number().int().nonnegative(),
});

export const eventCatalog = {
  'funder.registered.v1': z.object({
    funderId: uuid,
    name: z.string(),
    kind: z.enum(['foundation', 'ministry', 'research_fund', 'other']),
    locale,
    reportRecipients: z.array(z.string()),
    actor,
  }),
  'api_key.created.v1': z.object({
    keyId: uuid,
    role: z.enum(['admin', 'funder', 'auditor', 'grantee']),
    funderId: uuid.nullable(),
    funderIds: z.array(uuid),
    granteeId: uuid.nullable(),
    label: z.string(),
    actor,
  }),
  'api_key.revoked.v1': z.object({ keyId: uuid, funderId: uuid.nullable(), funderIds: z.array(uuid), actor }),
  'programme.registered.v1': z.object({
    programmeId: uuid,
    funderId: uuid,
    code: z.string(),
    name: z.string(),
    sector: z.string().nullable(),
    praxisFeeds: z.array(z.string()),
    reminderStages: z.array(z.object({ offsetDays: z.number().int(), escalate: z.boolean() })),
    actor,
  }),
  'agreement.registered.v1': agreementSnapshot.extend({ actor }),
  'agreement.amended.v1': agreementSnapshot.extend({ actor, changes: z.array(z.string()) }),
  'agreement.terminated.v1': z.object({
    agreementId: uuid,
    funderId: uuid,
    reason: z.string(),
    revision: z.number().int().nonnegative(),
    actor,
  }),
  'obligation.transitioned.v1': z.object({
    obligationId: uuid,
    agreementId: uuid,
    funderId: uuid,
    programmeId: uuid,
    granteeId: uuid,
    kind: obligationKind,
    dueDate: isoDate,
    from: obligationStatus.nullable(),
    to: obligationStatus,
    reason: z.string().nullable(),
    at: z.iso.datetime(),
    actor,
    /** set when the due date changed (extension, amendment) */
    previousDueDate: isoDate.optional(),
    /** set on fulfilment: the note and whether it was published after the due date */
    evidence: z
      .object({ noteUrl: z.string(), title: z.string(), publishedOn: isoDate.nullable(), late: z.boolean() })
      .optional(),
  }),
  /** One reminder stage due for one obligation; `reminderId` is deterministic (obligation × stage). */
  'reminder.due.v1': z.object({
    reminderId: uuid,
    runId: uuid,
    asOf: isoDate,
    stage: z.object({ key: z.string(), offsetDays: z.number().int(), escalate: z.boolean() }),
    /** earlier stages that applied but were superseded by this one after downtime (recorded, not sent) */
    skippedStages: z.array(z.string()),
    obligation: z.object({
      id: uuid,
      kind: obligationKind,
      sequence: z.number().int().positive(),
      dueDate: isoDate,
      status: obligationStatus,
    }),
    agreement: z.object({
      id: uuid,
      funderId: uuid,
      programmeId: uuid,
      programmeCode: z.string(),
      title: z.string(),
      externalRef: z.string(),
      referenceCode: z.string(),
    }),
    grantee: z.object({ id: uuid, name: z.string() }),
    contacts: z.array(contact),
  }),
  /** Closes an evaluation run: the notifier sends its digests once it holds `reminders` stages of the run. */
  'reminder.run_closed.v1': z.object({ runId: uuid, asOf: isoDate, reminders: z.number().int().nonnegative() }),
  'reminder.sent.v1': z.object({
    reminderId: uuid,
    runId: uuid,
    obligationId: uuid,
    funderId: uuid,
    stageKey: z.string(),
    /** pseudonym of the address (never the address itself in events that reach logs and audit) */
    contactRef: z.string(),
    messageId: z.string(),
    sentAt: z.iso.datetime(),
  }),
  'reminder.failed.v1': z.object({
    reminderId: uuid,
    runId: uuid,
    obligationId: uuid,
    funderId: uuid,
    stageKey: z.string(),
    contactRef: z.string(),
    /** the failing address, so the funder's report can name it (personal data: reports only) */
    email: z.string(),
    permanent: z.boolean(),
    reason: z.string(),
    at: z.iso.datetime(),
  }),
  /** A public Praxis note that mentions the reference of these agreements (discovered, declared or re-verified). */
  'praxis.note.verified.v1': z.object({
    noteUrl: z.string(),
    noteId: z.string(),
    title: z.string(),
    textSha256: z.string(),
    publishedOn: isoDate.nullable(),
    firstSeenAt: z.iso.datetime(),
    verifiedAt: z.iso.datetime(),
    source: z.enum(['feed', 'declared', 'reverify']),
    agreementIds: z.array(uuid),
  }),
  /** A note that was evidence is no longer public (definite 404/410/login/private only — never on an outage). */
  'praxis.note.withdrawn.v1': z.object({
    noteUrl: z.string(),
    noteId: z.string(),
    reason: z.enum(['not_found', 'gone', 'login_required', 'private', 'reference_removed']),
    httpStatus: z.number().int().nullable(),
    at: z.iso.datetime(),
  }),
  'job.requested.v1': z.object({
    jobId: uuid,
    kind: z.enum(['evaluate', 'praxis_sync', 'reports']),
    asOf: isoDate.nullable(),
    actor,
  }),
  'job.finished.v1': z.object({
    jobId: uuid,
    kind: z.enum(['evaluate', 'praxis_sync', 'reports']),
    /** 'waiting': the worker has not yet consumed every event accepted before the job (see `waitingFor`) */
    status: z.enum(['waiting', 'running', 'succeeded', 'failed']),
    counts: z.record(z.string(), z.number()),
    error: z.string().nullable(),
    at: z.iso.datetime(),
    /** while waiting (and on a failure after waiting too long): what the worker still waits for */
    waitingFor: z.array(waitingFor).optional(),
  }),
  // Law 25: an admin's request about one person, known by email. The email crosses the bus so each
  // service can find its rows; published outbox copies are purged by the erasure itself.
  'person.export_requested.v1': z.object({ requestId: uuid, email: z.string(), actor }),
  'person.erasure_requested.v1': z.object({ requestId: uuid, email: z.string(), actor }),
  /** One service's part of an export: what each row is, its dates, as stored. */
  'person.data_exported.v1': z.object({
    requestId: uuid,
    service: z.string(),
    parts: z.array(
      z.object({ kind: z.string(), description: z.string(), rows: z.array(z.record(z.string(), z.unknown())) }),
    ),
    at: z.iso.datetime(),
  }),
  /** One service's erasure done: how many rows of each kind it removed or pseudonymised. */
  'person.erased.v1': z.object({
    requestId: uuid,
    service: z.string(),
    counts: z.record(z.string(), z.number().int().nonnegative()),
    at: z.iso.datetime(),
  }),
} as const;

export type EventType = keyof typeof eventCatalog;
export type EventData<T extends EventType> = z.infer<(typeof eventCatalog)[T]>;
export type WaitingFor = z.infer<typeof waitingFor>;

/** Every service that writes events to an outbox (the `source` of its events). */
export type Producer =
  'edge' | 'agreements' | 'obligations' | 'praxis-connector' | 'notifier' | 'reports' | 'scheduler' | 'web';

/**
 * Which services emit each type. A job's worker asks these producers how far their outbox had gone
 * (`GET /internal/v1/outbox/watermark`) and waits until its queues have consumed that far, so a
 * producer missing here is one a job would not wait for. `tests/e2e/catch-up.test.ts` checks every
 * outbox row the whole system wrote against this table.
 */
export const eventProducers: { readonly [K in EventType]: readonly Producer[] } = {
  'funder.registered.v1': ['edge'],
  'api_key.created.v1': ['edge'],
  'api_key.revoked.v1': ['edge'],
  'programme.registered.v1': ['agreements'],
  'agreement.registered.v1': ['agreements'],
  'agreement.amended.v1': ['agreements'],
  'agreement.terminated.v1': ['agreements'],
  'obligation.transitioned.v1': ['obligations'],
  'reminder.due.v1': ['obligations'],
  'reminder.run_closed.v1': ['obligations'],
  'reminder.sent.v1': ['notifier'],
  'reminder.failed.v1': ['notifier'],
  'praxis.note.verified.v1': ['praxis-connector'],
  'praxis.note.withdrawn.v1': ['praxis-connector'],
  'job.requested.v1': ['scheduler'],
  'job.finished.v1': ['obligations', 'praxis-connector', 'reports'],
  'person.export_requested.v1': ['edge'],
  'person.erasure_requested.v1': ['edge'],
  // The holders of personal data, which answer on their `<service>.people` queue (the edge answers its
  // own part at once); the same list as the edge's PERSONAL_DATA_HOLDERS.
  'person.data_exported.v1': ['agreements', 'obligations', 'praxis-connector', 'notifier', 'reports', 'web'],
  'person.erased.v1': ['agreements', 'obligations', 'praxis-connector', 'notifier', 'reports', 'web'],
};

/**
 * The catalog seen one type at a time: indexing it with a type parameter gives that type's schema,
 * which lets `parseEventData` return the payload of the very type it was given.
 */
const schemaOf: { [K in EventType]: z.ZodType<EventData<K>> } = eventCatalog;

/** CloudEvents 1.0 structured envelope, as carried in an AMQP message body. */
export const envelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  time: z.iso.datetime(),
  subject: z.string().optional(),
  datacontenttype: z.literal('application/json'),
  dataschema: z.string().optional(),
  /**
   * CloudEvents `sequence` extension: the producer's outbox row number, zero-padded to 19 digits so
   * that it orders lexicographically as the extension requires. Consumers record it with the message
   * in their inbox; it is what lets a job's worker count whether it has consumed up to a watermark.
   */
  sequence: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional(),
  data: z.unknown(),
});
type EnvelopeFields = Omit<z.infer<typeof envelopeSchema>, 'data' | 'type'>;

/**
 * An event as delivered. A union with one member per event type, so checking `type` narrows `data`
 * (`if (e.type === 'agreement.registered.v1') e.data.obligations`) with no cast; `Envelope<T>` is
 * the member of type T (or the members of the types in T).
 */
export type Envelope<T extends EventType = EventType> = {
  [K in T]: EnvelopeFields & { type: K; data: EventData<K> };
}[T];

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(eventCatalog, type);
}

/** Validates a payload against the catalog; throws a ZodError naming the bad fields. */
export function parseEventData<T extends EventType>(type: T, data: unknown): EventData<T> {
  return schemaOf[type].parse(data);
}

/**
 * Validates a whole envelope (CloudEvents fields, a catalog type, its payload); throws on the first
 * problem. Returns the envelope typed by its own `type`.
 */
export function parseEnvelope(raw: unknown): Envelope {
  const e = envelopeSchema.parse(raw);
  if (!isEventType(e.type)) throw new Error(`unknown event type ${e.type}`);
  return typedEnvelope(e, e.type);
}

function typedEnvelope<T extends EventType>(e: z.infer<typeof envelopeSchema>, type: T): Envelope<T> {
  return { ...e, type, data: parseEventData(type, e.data) };
}
