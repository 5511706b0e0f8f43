import type pg from 'pg';
import { ChainVerifier, type ChainBreak, type HeadCheck, type PublishedHead } from '../domain/audit-chain';
import { inAuditSnapshot } from '../adapters/audit-store';

export interface AuditVerdict {
  intact: boolean;
  events: number;
  firstBrokenAt?: ChainBreak & { at: string | null };
  /** each head published earlier, and whether the chain still holds it (only when some were given) */
  heads?: HeadCheck[];
}

/**
 * Recomputes a funder's chain from the stored rows and checks the head against it, all in one
 * snapshot (so appends committed meanwhile are not mistaken for tampering); reports the first entry
 * that does not hold, with when it happened. Heads published earlier (in reports and their emails)
 * must still be in the chain, same seq and same hash: a chain rewritten whole, every hash
 * recomputed, is consistent with itself and is caught only by them.
 */
export async function verifyAudit(
  pool: pg.Pool,
  funderId: string,
  published: readonly PublishedHead[] = [],
): Promise<AuditVerdict> {
  return inAuditSnapshot(pool, async (chain) => {
    const v = new ChainVerifier(published);
    const ats = new Map<number, string>();
    const publishedSeqs = new Set(published.map((h) => h.seq));
    for await (const page of chain.pages(funderId, {})) {
      for (const e of page) {
        const wasBroken = v.broken !== null;
        v.feed(e);
        if (!wasBroken && v.broken) ats.set(v.broken.seq, e.at);
        if (publishedSeqs.has(e.seq)) ats.set(e.seq, e.at);
      }
    }
    v.finish(await chain.head(funderId));
    const heads = published.length > 0 ? { heads: v.heads } : {};
    if (!v.broken) return { intact: true, events: v.count, ...heads };
    return {
      intact: false,
      events: v.count,
      firstBrokenAt: { ...v.broken, at: ats.get(v.broken.seq) ?? null },
      ...heads,
    };
  });
}
