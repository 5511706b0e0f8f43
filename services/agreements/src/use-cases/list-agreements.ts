import type { Principal } from '@pc/service-kit';
import { agreementPage, type AgreementFilter } from '../adapters/agreement-store';
import type { PageRequest, Tx } from '../adapters/prisma';
import { agreementView, pageOf } from '../adapters/views';

/** GET /v1/agreements: one page of the reader's funders' agreements, contacts for a funder only. */
export async function listAgreements(
  db: Tx,
  reader: Principal,
  funders: string[],
  filter: AgreementFilter,
  page: PageRequest,
) {
  const rows = await agreementPage(db, funders, filter, page);
  return pageOf(rows, page.limit, (a) => agreementView(a, { contacts: reader.role === 'funder' }));
}
