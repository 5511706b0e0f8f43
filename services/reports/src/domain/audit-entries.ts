import type { Envelope, EventData } from '@pc/contracts';
import type { AuditActor, PendingAudit } from './audit-chain';
import { scrubEmails, type Pseudonym } from './personal-data';

/*
 * Which change of which event becomes which audit entry, with its before and after. Pure: what the
 * read model held before the change (a previous snapshot, a previous status, the obligations a
 * withdrawn note was evidence for) is given by the caller, which read it in the same transaction.
 * Personal data stays out of the trail: contacts and report recipients appear as keyed pseudonyms
 * (`pseudonym`). Entries written before keys were used hold bare hashes (`p_…`); they stay as they
 * are, since the chain's hashes cover them.
 */

type SnapshotData = EventData<'agreement.registered.v1'>;
type SnapshotEvent = Envelope<'agreement.registered.v1' | 'agreement.amended.v1'>;
type ApiKeyEvent = Envelope<'api_key.created.v1' | 'api_key.revoked.v1'>;
type DirectoryType =
  | 'funder.registered.v1'
  | 'programme.registered.v1'
  | 'agreement.registered.v1'
  | 'agreement.amended.v1'
  | 'agreement.terminated.v1';

/** An instant as the trail holds it: ISO 8601 UTC, millisecond precision. */
export const isoInstant = (s: string): string => new Date(s).toISOString();
/** A service acting on its own (no API key behind the change): the event's source names it. */
const system = (e: Envelope): AuditActor => ({ kind: 'system', id: e.source });

/**
 * One entry of the trail: the event it records (its id and type) and what the change was. `at` is
 * normalised to the trail's instant; an entry with no reason or no "before" holds null there.
 */
function entryOf(
  e: Envelope,
  c: {
    funderId: string;
    subject: string;
    actor: AuditActor;
    at: string;
    reason?: string | null;
    before?: unknown;
    after: unknown;
  },
): PendingAudit {
  const { funderId, subject, actor, at, reason = null, before = null, after } = c;
  return { funderId, eventId: e.id, type: e.type, subject, actor, at: isoInstant(at), reason, before, after };
}

/** A change someone made to the directory or an agreement: the event names the funder and the actor; it happened when published. */
function directoryEntry(
  e: Envelope<DirectoryType>,
  c: { subject: string; reason?: string | null; before?: unknown; after: unknown },
): PendingAudit {
  return entryOf(e, { funderId: e.data.funderId, actor: e.data.actor, at: e.time, ...c });
}

/** A reminder's outcome: its obligation is the subject, the notifier acted, and the ids of the send come first. */
function reminderEntry(
  e: Envelope<'reminder.sent.v1' | 'reminder.failed.v1'>,
  c: { at: string; reason?: string | null; outcome: Record<string, unknown> },
): PendingAudit {
  const d = e.data;
  return entryOf(e, {
    funderId: d.funderId,
    subject: d.obligationId,
    actor: system(e),
    at: c.at,
    reason: c.reason,
    after: { reminderId: d.reminderId, runId: d.runId, stageKey: d.stageKey, contactRef: d.contactRef, ...c.outcome },
  });
}

export function funderRegistered(e: Envelope<'funder.registered.v1'>, pseudonym: Pseudonym): PendingAudit {
  const d = e.data;
  return directoryEntry(e, {
    subject: d.funderId,
    after: {
      name: d.name,
      kind: d.kind,
      locale: d.locale,
      reportRecipients: d.reportRecipients.map((r) => pseudonym(r)),
    },
  });
}

export function programmeRegistered(e: Envelope<'programme.registered.v1'>): PendingAudit {
  const d = e.data;
  return directoryEntry(e, {
    subject: d.programmeId,
    after: {
      code: d.code,
      name: d.name,
      sector: d.sector,
      praxisFeeds: d.praxisFeeds,
      reminderStages: d.reminderStages,
    },
  });
}

/**
 * What the audit trail shows of an agreement (contacts only as pseudonyms: Law 25). The read model
 * keeps it with the agreement, as the "before" of the next amendment.
 */
export function agreementSummary(d: SnapshotData, pseudonym: Pseudonym): Record<string, unknown> {
  return {
    revision: d.revision,
    referenceCode: d.referenceCode,
    externalRef: d.externalRef,
    programmeCode: d.programmeCode,
    title: d.title,
    startDate: d.startDate,
    endDate: d.endDate,
    signedAt: d.signedAt,
    grantee: d.grantee,
    contacts: d.contacts.map((c) => pseudonym(c.email)),
    obligations: d.obligations.map((o) => ({ id: o.id, kind: o.kind, sequence: o.sequence, dueDate: o.dueDate })),
  };
}

/**
 * An agreement snapshot: `applied` with the summary it replaced (null for a new agreement), or
 * superseded (older than the revision held): still a recorded change, it just did not alter the read model.
 */
export function agreementSnapshot(
  e: SnapshotEvent,
  outcome: { applied: true; before: unknown } | { applied: false },
  pseudonym: Pseudonym,
): PendingAudit {
  const d = e.data;
  return directoryEntry(e, {
    subject: d.agreementId,
    before: outcome.applied ? outcome.before : null,
    after: {
      ...agreementSummary(d, pseudonym),
      ...('changes' in d ? { changes: d.changes } : {}),
      ...(outcome.applied ? {} : { superseded: true }),
    },
  });
}

/** A termination, after the agreement's status before it (null when the read model did not hold the agreement). */
export function agreementTerminated(
  e: Envelope<'agreement.terminated.v1'>,
  previousStatus: string | null,
): PendingAudit {
  const d = e.data;
  return directoryEntry(e, {
    subject: d.agreementId,
    reason: d.reason,
    before: { status: previousStatus },
    after: { status: 'terminated', revision: d.revision },
  });
}

/** Every transition (extension and waiver included): status and due date before and after. */
export function obligationTransitioned(e: Envelope<'obligation.transitioned.v1'>): PendingAudit {
  const d = e.data;
  return entryOf(e, {
    funderId: d.funderId,
    subject: d.obligationId,
    actor: d.actor,
    at: d.at,
    reason: d.reason,
    before: { status: d.from, dueDate: d.previousDueDate ?? d.dueDate },
    after: {
      status: d.to,
      dueDate: d.dueDate,
      agreementId: d.agreementId,
      kind: d.kind,
      ...(d.evidence ? { evidence: d.evidence } : {}),
    },
  });
}

/** A verified note goes in the log of each funder whose agreements it was verified for (`agreementIds` sorted). */
export function noteVerified(
  e: Envelope<'praxis.note.verified.v1'>,
  byFunder: { funderId: string; agreementIds: string[] }[],
): PendingAudit[] {
  const d = e.data;
  return byFunder.map((f) =>
    entryOf(e, {
      funderId: f.funderId,
      subject: d.noteUrl,
      actor: system(e),
      at: d.verifiedAt,
      after: {
        noteUrl: d.noteUrl,
        noteId: d.noteId,
        title: d.title,
        textSha256: d.textSha256,
        publishedOn: d.publishedOn,
        source: d.source,
        agreementIds: f.agreementIds,
      },
    }),
  );
}

/** A withdrawn note: one entry per funder whose obligations it was evidence for, in funder order. */
export function noteWithdrawn(
  e: Envelope<'praxis.note.withdrawn.v1'>,
  withdrawn: { funderId: string; obligationId: string }[],
): PendingAudit[] {
  const d = e.data;
  const byFunder = new Map<string, string[]>();
  for (const r of withdrawn) byFunder.set(r.funderId, [...(byFunder.get(r.funderId) ?? []), r.obligationId]);
  return [...byFunder.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([funderId, ids]) =>
      entryOf(e, {
        funderId,
        subject: d.noteUrl,
        actor: system(e),
        at: d.at,
        reason: d.reason,
        before: { noteUrl: d.noteUrl, public: true, obligationIds: ids.sort() },
        after: { public: false, httpStatus: d.httpStatus },
      }),
    );
}

export function reminderSent(e: Envelope<'reminder.sent.v1'>): PendingAudit {
  const d = e.data;
  return reminderEntry(e, { at: d.sentAt, outcome: { messageId: d.messageId } });
}

/** A failed reminder; the server's text keeps only pseudonyms of the addresses it quotes. */
export function reminderFailed(e: Envelope<'reminder.failed.v1'>, pseudonym: Pseudonym): PendingAudit {
  const d = e.data;
  return reminderEntry(e, {
    at: d.at,
    reason: scrubEmails(d.reason, pseudonym),
    outcome: { permanent: d.permanent },
  });
}

/** An API key created or revoked: one entry per funder it reads; admin and grantee keys belong to no funder's log. */
export function apiKeyChanged(e: ApiKeyEvent): PendingAudit[] {
  const d = e.data;
  const funders = [...new Set([d.funderId, ...d.funderIds].filter((f): f is string => !!f))].sort();
  return funders.map((funderId) =>
    entryOf(e, {
      funderId,
      subject: d.keyId,
      actor: d.actor,
      at: e.time,
      before: e.type === 'api_key.revoked.v1' ? { active: true } : null,
      after:
        'role' in d
          ? {
              keyId: d.keyId,
              active: true,
              role: d.role,
              label: d.label,
              funderId: d.funderId,
              funderIds: d.funderIds,
              granteeId: d.granteeId,
            }
          : { keyId: d.keyId, active: false },
    }),
  );
}
