import { QUEUES, type ServiceRuntime } from '@pc/bus';
import type { Logger } from '@pc/service-kit';
import type { Clock } from '../domain/ports';
import type { PrismaClient, Tx } from '../adapters/prisma';
import { reconcileAgreement, registerProgramme, terminateAgreement } from '../use-cases/reconcile-agreement';
import { queueEvaluation } from '../use-cases/evaluate';
import { recordVerifiedNote, withdrawEvidence } from '../use-cases/evidence';
import { recordReminderFailure, recordReminderSent } from '../use-cases/reminder-outcomes';

/** Every queue this service consumes, each handler idempotent (inbox + revision/unique rows). */
export async function startConsumers(runtime: ServiceRuntime, prisma: PrismaClient, clock: Clock, logger: Logger,
  onEvaluationAccepted: () => void): Promise<void> {
  const transact = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => prisma.$transaction(fn, { timeout: 60_000 });

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsAgreements, transact,
    on: {
      'programme.registered.v1': (d, tx) => registerProgramme(tx, d),
      'agreement.registered.v1': (d, tx) => reconcileAgreement(tx, d, clock, false),
      'agreement.amended.v1': (d, tx) => reconcileAgreement(tx, d, clock, true),
      'agreement.terminated.v1': (d, tx) => terminateAgreement(tx, d, clock),
    },
  });

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsJobs, transact,
    on: { 'job.requested.v1': (d, tx) => queueEvaluation(tx, d, clock, logger) },
    afterCommit: () => { runtime.relay.kick(); onEvaluationAccepted(); },
  });

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsEvidence, transact,
    on: {
      'praxis.note.verified.v1': (d, tx) => recordVerifiedNote(tx, d, clock, logger),
      'praxis.note.withdrawn.v1': (d, tx) => withdrawEvidence(tx, d, clock),
    },
  });

  await runtime.consume<Tx>({
    queue: QUEUES.obligationsReminders, transact,
    on: {
      'reminder.sent.v1': (d, tx) => recordReminderSent(tx, d),
      'reminder.failed.v1': (d, tx) => recordReminderFailure(tx, d),
    },
  });
}
