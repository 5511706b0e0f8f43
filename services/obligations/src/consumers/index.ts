import { QUEUES, type BatchHandler, type HandlerResult, type ServiceRuntime } from '@pc/bus';
import type { Logger } from '@pc/service-kit';
import type { Clock } from '../domain/ports';
import { transaction, type PrismaClient, type Tx } from '../adapters/prisma';
import { registerProgramme } from '../use-cases/register-programme';
import { recordFunder } from '../use-cases/record-funder';
import { reconcileAgreements, type SnapshotItem } from '../use-cases/reconcile-agreements';
import { terminateAgreement } from '../use-cases/terminate-agreement';
import { acceptEvaluation } from '../use-cases/accept-evaluation';
import { recordNoteEvents, type NoteItem } from '../use-cases/record-note-events';
import { recordReminderOutcomes, type OutcomeItem } from '../use-cases/record-reminder-outcomes';

/**
 * Deliveries handled per transaction on the queues that receive bursts (a CSV import is 20,000
 * snapshots, a run's digests tens of thousands of outcomes, a Praxis sync hundreds of notes): set-based statements over the batch; a
 * batch that fails is retried one message at a time by the bus, so one bad event blocks no other.
 */
const SNAPSHOT_BATCH = 500;
const OUTCOME_BATCH = 1000;
const NOTE_BATCH = 200;

const skipped = (): Promise<HandlerResult> => Promise.resolve('skipped');

/** Every queue this service consumes, each handler idempotent (inbox + revision/unique rows). */
export async function startConsumers(
  runtime: ServiceRuntime,
  prisma: PrismaClient,
  clock: Clock,
  logger: Logger,
  onEvaluationAccepted: () => void,
): Promise<void> {
  // A snapshot of a large agreement is many statements: more than Prisma's default 5 s.
  const transact = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => transaction(prisma, fn, 60_000);

  // One function per queue for the batched types, so the bus hands their consecutive events over together.
  const snapshots: BatchHandler<SnapshotItem['envelope']['type'], Tx> = (items, tx) =>
    reconcileAgreements(tx, items, clock);
  const notes: BatchHandler<NoteItem['envelope']['type'], Tx> = (items, tx) =>
    recordNoteEvents(tx, items, clock, logger);
  const outcomes: BatchHandler<OutcomeItem['envelope']['type'], Tx> = (items, tx) => recordReminderOutcomes(tx, items);

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsAgreements,
    transact,
    batchSize: SNAPSHOT_BATCH,
    // A programme's policy decides the class of the obligations registered after it: it is applied on
    // its own, between the snapshots delivered before and after it. A termination likewise.
    on: {
      'programme.registered.v1': (d, tx) => registerProgramme(tx, d),
      'agreement.terminated.v1': (d, tx) => terminateAgreement(tx, d, clock),
    },
    onBatch: {
      'agreement.registered.v1': snapshots,
      'agreement.amended.v1': snapshots,
    },
  });

  // An evaluation covers every agreement and note accepted before it: the job waits until the
  // queues it reads have consumed what their producers had committed, then is accepted.
  const accepted = (): void => {
    runtime.relay.kick();
    onEvaluationAccepted();
  };
  const evaluations = runtime.jobGate({
    name: 'evaluate',
    queues: [QUEUES.obligationsAgreements, QUEUES.obligationsEvidence],
    onCaughtUp: async (tx, job) => {
      await acceptEvaluation(tx, job, clock, logger);
    },
    afterCommit: accepted,
  });
  await runtime.consume<Tx>({
    queue: QUEUES.obligationsJobs,
    transact,
    on: { 'job.requested.v1': (d, tx) => (d.kind === 'evaluate' ? evaluations.hold(tx, d.jobId, d) : skipped()) },
    afterCommit: () => {
      accepted();
      evaluations.kick();
    },
  });

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsEvidence,
    transact,
    batchSize: NOTE_BATCH,
    onBatch: { 'praxis.note.verified.v1': notes, 'praxis.note.withdrawn.v1': notes },
  });

  // Funders' names only label obligations: a queue of their own, which no job waits for, so a late
  // name holds back neither snapshots nor an evaluation.
  await runtime.consume<Tx>({
    queue: QUEUES.obligationsFunders,
    transact,
    on: { 'funder.registered.v1': (d, tx) => recordFunder(tx, d) },
  });

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsReminders,
    transact,
    batchSize: OUTCOME_BATCH,
    onBatch: {
      'reminder.sent.v1': outcomes,
      'reminder.failed.v1': outcomes,
    },
  });
}
