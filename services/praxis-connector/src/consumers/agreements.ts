import type { Envelope } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import type { Tx } from '../adapters/prisma';

/**
 * Keeps the connector's read model of programmes (feeds) and agreements (references, start dates)
 * in step with the agreements service. Snapshots carry a revision: an older or equal one is ignored,
 * so redelivered or reordered events never roll an agreement back.
 */
export async function onAgreementEvent(event: Envelope, tx: Tx): Promise<HandlerResult> {
  switch (event.type) {
    case 'programme.registered.v1': {
      const d = event.data as Envelope<'programme.registered.v1'>['data'];
      await tx.programme.upsert({
        where: { id: d.programmeId },
        create: { id: d.programmeId, funderId: d.funderId, code: d.code, feeds: d.praxisFeeds },
        update: { funderId: d.funderId, code: d.code, feeds: d.praxisFeeds },
      });
      return 'done';
    }
    case 'agreement.registered.v1':
    case 'agreement.amended.v1': {
      const d = event.data as Envelope<'agreement.registered.v1'>['data'];
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
    case 'agreement.terminated.v1': {
      const d = event.data as Envelope<'agreement.terminated.v1'>['data'];
      const current = await tx.agreement.findUnique({ where: { id: d.agreementId }, select: { revision: true } });
      if (!current) return 'skipped'; // never registered here: nothing to match against
      if (current.revision > d.revision) return 'skipped';
      await tx.agreement.update({ where: { id: d.agreementId }, data: { status: 'terminated', revision: d.revision } });
      return 'done';
    }
    default:
      return 'skipped';
  }
}
