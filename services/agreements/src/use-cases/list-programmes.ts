import { programmePage } from '../adapters/programme-store';
import type { PageRequest, Tx } from '../adapters/prisma';
import { pageOf, programmeView } from '../adapters/views';

/** GET /v1/programmes: one page of the reader's funders' programmes. */
export async function listProgrammes(db: Tx, funders: string[], page: PageRequest) {
  return pageOf(await programmePage(db, funders, page), page.limit, programmeView);
}
