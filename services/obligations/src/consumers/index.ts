import { QUEUES, type HandlerResult, type ServiceRuntime } from '@pc/bus';
import type { Logger } from '@pc/service-kit';
import type { Clock } from '../domain/ports';
import { transaction, type PrismaClient, type Tx } from '../adapters/prisma';
import { registerProgramme } from '../use-cases/register-programme';
import { reconcileAgreement } from '../use-cases/reconcile-agreement';
import { terminateAgreement } from '../use-cases/terminate-agreement';
import { acceptEvaluation } from '../use-cases/accept-evaluation';
import { recordVerifiedNote } from '../use-cases/record-verified-note';
import { withdrawEvidence } from '../use-cases/withdraw-evidence';
import { recordReminderOutcome } from '../use-cases/record-reminder-outcome';

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

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsAgreements,
    transact,
    on: {
      'programme.registered.v1': (d, tx) => registerProgramme(tx, d),
      'agreement.registered.v1': (d, tx) => reconcileAgreement(tx, d, clock, false),
      'agreement.amended.v1': (d, tx) => reconcileAgreement(tx, d, clock, true),
      'agreement.terminated.v1': (d, tx) => terminateAgreement(tx, d, clock),
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
    on: {
      'praxis.note.verified.v1': (d, tx) => recordVerifiedNote(tx, d, clock, logger),
      'praxis.note.withdrawn.v1': (d, tx) => withdrawEvidence(tx, d, clock),
    },
  });

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsReminders,
    transact,
    on: {
      'reminder.sent.v1': (d, tx) =>
        recordReminderOutcome(tx, {
          reminderId: d.reminderId,
          contactRef: d.contactRef,
          obligationId: d.obligationId,
          outcome: 'sent',
          messageId: d.messageId,
          reason: null,
          permanent: null,
          at: d.sentAt,
        }),
      'reminder.failed.v1': (d, tx) =>
        recordReminderOutcome(tx, {
          reminderId: d.reminderId,
          contactRef: d.contactRef,
          obligationId: d.obligationId,
          outcome: 'failed',
          messageId: null,
          reason: d.reason,
          permanent: d.permanent,
          at: d.at,
        }),
    },
  });
}
