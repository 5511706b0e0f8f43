import type pg from 'pg';
import { inAuditSnapshot, type AuditLine } from '../adapters/audit-store';
import { GENESIS_HASH, TRAILER_TYPE, type ExportTrailer } from '../domain/audit-chain';

/**
 * Streams a funder's chain to `write`, page by page, from one snapshot: an export is a chain an
 * outsider can recompute, even while entries are being appended. `write` may wait (back-pressure)
 * and answers false to stop early (the reader went away; then null is returned). Returns the
 * trailer the export ends with: the head read in the same snapshot, so that a copy missing its last
 * entries (or its trailer) fails verification offline.
 */
export async function exportAudit(
  pool: pg.Pool,
  funderId: string,
  window: { from?: string; to?: string },
  write: (page: AuditLine[]) => Promise<boolean>,
): Promise<ExportTrailer | null> {
  return inAuditSnapshot(pool, async (chain) => {
    let entries = 0;
    for await (const page of chain.pages(funderId, window)) {
      if (!(await write(page))) return null;
      entries += page.length;
    }
    const head = (await chain.head(funderId)) ?? { seq: 0, hash: GENESIS_HASH };
    const windowed = window.from !== undefined || window.to !== undefined;
    return {
      type: TRAILER_TYPE,
      funderId,
      head,
      entries,
      readAt: await chain.readAt(),
      ...(windowed ? { window: { ...window } } : {}),
    };
  });
}
