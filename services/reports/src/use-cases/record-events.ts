import type { BatchHandler, BatchHandlers } from '@pc/bus';
import type { Envelope, EventType } from '@pc/contracts';
import type { AuditBatch, AuditedTx } from '../adapters/audit-store';
import { ReadModelStore } from '../adapters/read-model-store';
import * as entry from '../domain/audit-entries';
import { fulfilledLate } from '../domain/compliance';
import type { Pseudonym } from '../domain/personal-data';

/** Records one event: its change to the read model (through the store) and its audit entries. */
type Recorder<T extends EventType> = (e: Envelope<T>, store: ReadModelStore, audit: AuditBatch) => Promise<void>;

/** A recorder of single events, run for each event of a run in turn. */
const each =
  <T extends EventType>(record: Recorder<T>): BatchHandler<T, AuditedTx> =>
  async (items, tx) => {
    const store = new ReadModelStore(tx.client);
    for (const { envelope } of items) await record(envelope, store, tx.audit);
  };

const snapshots =
  (pseudonym: Pseudonym): BatchHandler<'agreement.registered.v1' | 'agreement.amended.v1', AuditedTx> =>
  async (items, tx) => {
    const run = items.map((i) => i.envelope);
    const applied = await new ReadModelStore(tx.client).applySnapshots(
      run.map((e) => ({ eventId: e.id, data: e.data, summary: entry.agreementSummary(e.data, pseudonym) })),
    );
    for (const e of run) {
      tx.audit.add(
        entry.agreementSnapshot(
          e,
          applied.has(e.id) ? { applied: true, before: applied.get(e.id) ?? null } : { applied: false },
          pseudonym,
        ),
      );
    }
  };

const transitions: BatchHandler<'obligation.transitioned.v1', AuditedTx> = async (items, tx) => {
  const run = items.map((i) => i.envelope);
  await new ReadModelStore(tx.client).applyTransitions(
    run.map((e) => {
      const at = entry.isoInstant(e.data.at);
      return { data: e.data, at, late: fulfilledLate(e.data, at) };
    }),
  );
  for (const e of run) tx.audit.add(entry.obligationTransitioned(e));
};

const apiKeys = each<'api_key.created.v1' | 'api_key.revoked.v1'>(async (e, _store, audit) => {
  for (const a of entry.apiKeyChanged(e)) audit.add(a);
});
/** Not changes to a funder's records: reminders planned, runs closed, jobs (the scheduler keeps those). */
const notRecorded = async (): Promise<void> => undefined;

/**
 * The use case "record what happened": every event type's change to the read model and to the
 * per-funder audit chain, in the batch's transaction (the chain entries are appended as it commits).
 * A new catalog type does not compile until it is given an entry here. Idempotent per event (the
 * inbox dedupes redeliveries) and order-tolerant: agreement snapshots apply only when their revision
 * is newer, obligation transitions only when not older than the last. Consecutive snapshots and
 * consecutive transitions (most of the traffic) arrive together and go through multi-row
 * statements; the effect is the same as applying them one by one. Contacts are named in new
 * entries by `pseudonym` (keyed).
 */
// Law 25 requests and answers are not changes to a funder's records: the reports.people queue takes the
// requests (an erasure is appended to the chain there), the edge gathers the answers.
type PersonEvent =
  'person.export_requested.v1' | 'person.erasure_requested.v1' | 'person.data_exported.v1' | 'person.erased.v1';
export const recordEvents = (pseudonym: Pseudonym): Required<Omit<BatchHandlers<AuditedTx>, PersonEvent>> => ({
  'funder.registered.v1': each(async (e, store, audit) => {
    await store.upsertFunder(e.data);
    audit.add(entry.funderRegistered(e, pseudonym));
  }),
  'programme.registered.v1': each(async (e, store, audit) => {
    await store.upsertProgramme(e.data);
    audit.add(entry.programmeRegistered(e));
  }),
  'agreement.registered.v1': snapshots(pseudonym),
  'agreement.amended.v1': snapshots(pseudonym),
  'agreement.terminated.v1': each(async (e, store, audit) => {
    audit.add(entry.agreementTerminated(e, await store.terminateAgreement(e.data)));
  }),
  'obligation.transitioned.v1': transitions,
  'praxis.note.verified.v1': each(async (e, store, audit) => {
    for (const a of entry.noteVerified(e, await store.agreementsByFunder(e.data.agreementIds))) audit.add(a);
  }),
  'praxis.note.withdrawn.v1': each(async (e, store, audit) => {
    for (const a of entry.noteWithdrawn(e, await store.withdrawNote(e.data, entry.isoInstant(e.data.at)))) audit.add(a);
  }),
  'reminder.sent.v1': each(async (e, store, audit) => {
    await store.resolveContactFailure(e.data.funderId, e.data.contactRef, entry.isoInstant(e.data.sentAt));
    audit.add(entry.reminderSent(e));
  }),
  'reminder.failed.v1': each(async (e, store, audit) => {
    if (e.data.permanent) await store.recordContactFailure(e.data, entry.isoInstant(e.data.at));
    audit.add(entry.reminderFailed(e, pseudonym));
  }),
  'api_key.created.v1': apiKeys,
  'api_key.revoked.v1': apiKeys,
  'reminder.due.v1': notRecorded,
  'reminder.run_closed.v1': notRecorded,
  'job.requested.v1': notRecorded,
  'job.finished.v1': notRecorded,
});
