import { QUEUES, type ServiceRuntime } from '@pc/bus';
import type { Envelope, EventData } from '@pc/contracts';
import type { Logger } from '@pc/service-kit';
import type { Clock } from '../domain/ports';
import type { PrismaClient, Tx } from '../adapters/prisma';
import { applyAgreementSnapshot, registerProgramme, terminateAgreement } from '../use-cases/reconcile-agreement';
import { acceptEvaluation } from '../use-cases/evaluate';
import { onNoteVerified, onNoteWithdrawn } from '../use-cases/evidence';
import { onReminderOutcome } from '../use-cases/reminder-outcomes';

/** Every queue this service consumes, each handler idempotent (inbox + revision/unique rows). */
export async function startConsumers(runtime: ServiceRuntime, prisma: PrismaClient, clock: Clock, logger: Logger,
  onEvaluationAccepted: () => void): Promise<void> {
  const transact = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => prisma.$transaction(fn, { timeout: 60_000 });

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsAgreements, transact,
    events: ['programme.registered.v1', 'agreement.registered.v1', 'agreement.amended.v1', 'agreement.terminated.v1'],
    handle: async (e: Envelope, tx) => {
      if (e.type === 'programme.registered.v1') return registerProgramme(tx, e.data as EventData<'programme.registered.v1'>);
      if (e.type === 'agreement.registered.v1') return applyAgreementSnapshot(tx, e.data as EventData<'agreement.registered.v1'>, clock, false);
      if (e.type === 'agreement.amended.v1') return applyAgreementSnapshot(tx, e.data as EventData<'agreement.amended.v1'>, clock, true);
      if (e.type === 'agreement.terminated.v1') return terminateAgreement(tx, e.data as EventData<'agreement.terminated.v1'>, clock);
      return 'skipped';
    },
  });

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsJobs, transact, events: ['job.requested.v1'],
    handle: (e: Envelope, tx) => acceptEvaluation(tx, e.data as EventData<'job.requested.v1'>, clock, logger),
    afterCommit: () => { runtime.relay.kick(); onEvaluationAccepted(); },
  });

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsEvidence, transact, events: ['praxis.note.verified.v1', 'praxis.note.withdrawn.v1'],
    handle: async (e: Envelope, tx) => {
      if (e.type === 'praxis.note.verified.v1') return onNoteVerified(tx, e.data as EventData<'praxis.note.verified.v1'>, clock, logger);
      if (e.type === 'praxis.note.withdrawn.v1') return onNoteWithdrawn(tx, e.data as EventData<'praxis.note.withdrawn.v1'>, clock);
      return 'skipped';
    },
  });

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsReminders, transact, events: ['reminder.sent.v1', 'reminder.failed.v1'],
    handle: onReminderOutcome,
  });
}
