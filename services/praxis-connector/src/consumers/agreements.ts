import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import type { Tx } from '../adapters/prisma';

/*
 * The connector's read model of programmes (feeds) and agreements (references, start dates), in
 * step with the agreements service. Snapshots carry a revision: an older or equal one is ignored,
 * so redelivered or reordered events never roll an agreement back.
 */

/** programme.registered.v1: the programme's feeds, to discover notes. */
export async function recordProgramme(d: EventData<'programme.registered.v1'>, tx: Tx): Promise<HandlerResult> {
  await tx.programme.upsert({
    where: { id: d.programmeId },
    create: { id: d.programmeId, funderId: d.funderId, code: d.code, feeds: d.praxisFeeds },
    update: { funderId: d.funderId, code: d.code, feeds: d.praxisFeeds },
  });
  return 'done';
}

/** agreement.registered.v1 / agreement.amended.v1: the reference code and dates notes are matched against. */
export async function recordAgreement(d: EventData<'agreement.registered.v1' | 'agreement.amended.v1'>, tx: Tx): Promise<HandlerResult> {
  const fields = {
    funderId: d.funderId, programmeId: d.programmeId, referenceCode: d.referenceCode, externalRef: d.externalRef,
    startDate: d.startDate, endDate: d.endDate, revision: d.revision,
  };
  const current = await tx.agreement.findUnique({ where: { id: d.agreementId }, select: { revision: true, status: true } });
  if (!current) { await tx.agreement.create({ data: { id: d.agreementId, status: 'active', ...fields } }); return 'done'; }
  if (current.revision >= d.revision) return 'skipped';
  await tx.agreement.update({ where: { id: d.agreementId }, data: fields });
  return 'done';
}

/** agreement.terminated.v1: a terminated agreement is no longer matched. */
export async function recordTermination(d: EventData<'agreement.terminated.v1'>, tx: Tx): Promise<HandlerResult> {
  const current = await tx.agreement.findUnique({ where: { id: d.agreementId }, select: { revision: true } });
  if (!current) return 'skipped'; // never registered here: nothing to match against
  if (current.revision > d.revision) return 'skipped';
  await tx.agreement.update({ where: { id: d.agreementId }, data: { status: 'terminated', revision: d.revision } });
  return 'done';
}
