import type pg from 'pg';
import { ChainVerifier, type ChainBreak } from '../domain/audit-chain';
import { inAuditSnapshot } from '../adapters/audit-store';

export interface AuditVerdict {
  intact: boolean;
  events: number;
  firstBrokenAt?: ChainBreak & { at: string | null };
}

/**
 * Recomputes a funder's chain from the stored rows and checks the head against it, all in one
 * snapshot (so appends committed meanwhile are not mistaken for tampering); reports the first entry
 * that does not hold, with when it happened.
 */
export async function verifyAudit(pool: pg.Pool, funderId: string): Promise<AuditVerdict> {
  return inAuditSnapshot(pool, async (chain) => {
    const v = new ChainVerifier();
    const ats = new Map<number, string>();
    for await (const page of chain.pages(funderId, {})) {
      for (const e of page) {
        const wasBroken = v.broken !== null;
        v.feed(e);
        if (!wasBroken && v.broken) ats.set(v.broken.seq, e.at);
      }
    }
    v.finish(await chain.head(funderId));
    if (!v.broken) return { intact: true, events: v.count };
    return { intact: false, events: v.count, firstBrokenAt: { ...v.broken, at: ats.get(v.broken.seq) ?? null } };
  });
}
