import type pg from 'pg';
import { inAuditSnapshot, type AuditLine } from '../adapters/audit-store';

/**
 * Streams a funder's chain to `write`, page by page, from one snapshot: an export is a chain an
 * outsider can recompute, even while entries are being appended. `write` may wait (back-pressure)
 * and answers false to stop early (the reader went away).
 */
export async function exportAudit(
  pool: pg.Pool,
  funderId: string,
  window: { from?: string; to?: string },
  write: (page: AuditLine[]) => Promise<boolean>,
): Promise<void> {
  await inAuditSnapshot(pool, async (chain) => {
    for await (const page of chain.pages(funderId, window)) if (!(await write(page))) return;
  });
}
