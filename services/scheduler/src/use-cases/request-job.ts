import { fieldError, invalid, isCalendarDate, requireRole, todayInMontreal, type Principal } from '@pc/service-kit';
import type { Clock } from '../domain/ports';
import type { JobKind } from '../domain/schedule';
import { queueJob } from '../adapters/job-store';
import type { PrismaClient } from '../adapters/prisma';

export interface RequestJobDeps {
  prisma: PrismaClient;
  clock: Clock;
  kick: () => void;
}

/**
 * An operator runs evaluation or a Praxis sync now (admin only): the job is queued and its
 * job.requested.v1 written in one transaction, then the relay is kicked so the worker hears of it
 * at once. `asOf` defaults to today in Montréal; any real calendar day is accepted (backfills, rehearsals).
 */
export async function requestJob(
  deps: RequestJobDeps,
  p: Principal,
  kind: Extract<JobKind, 'evaluate' | 'praxis_sync'>,
  asOf?: string,
): Promise<string> {
  requireRole(p, 'admin');
  // The contract checks the shape; only a real day passes here (2027-02-30 does not).
  if (asOf !== undefined && !isCalendarDate(asOf)) {
    throw invalid([
      fieldError('asOf', {
        en: `${asOf} is not a calendar date (YYYY-MM-DD)`,
        fr: `${asOf} n'est pas une date du calendrier (AAAA-MM-JJ)`,
      }),
    ]);
  }
  const id = await queueJob(deps.prisma, {
    kind,
    asOf: asOf ?? todayInMontreal(deps.clock.now()),
    trigger: 'api',
    actor: { kind: 'api_key', id: p.keyId },
  });
  deps.kick();
  return id;
}
