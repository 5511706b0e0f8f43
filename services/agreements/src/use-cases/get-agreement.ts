import { notFound, type Principal } from '@pc/service-kit';
import { findAgreement, historyOf } from '../adapters/agreement-store';
import type { Tx } from '../adapters/prisma';
import { agreementView } from '../adapters/views';

/**
 * One agreement as its reader may see it: another funder's (or an unknown id) is a 404, and
 * contacts, personal data, are shown to the funder only, never to an auditor.
 */
export async function getAgreement(
  db: Tx,
  id: string,
  reader: Principal,
  funders: string[],
  withHistory: boolean,
): Promise<Record<string, unknown>> {
  const a = await findAgreement(db, id, funders);
  if (!a) throw notFound('agreement');
  const history = withHistory ? await historyOf(db, id) : undefined;
  return agreementView(a, { contacts: reader.role === 'funder', ...(history ? { history } : {}) });
}
