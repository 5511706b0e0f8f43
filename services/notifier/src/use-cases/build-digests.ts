import type { SqlTx } from '@pc/bus';
import { planDigests, preferenceKey } from '../domain/digest-plan';
import { chosenLocales } from '../adapters/contact-store';
import { assignToDigests, lockUndigested } from '../adapters/delivery-store';
import { insertDigests } from '../adapters/digest-store';
import { funderCopiesTo } from '../adapters/directory-store';
import { countRunStages, lockRun, markRunDigested } from '../adapters/run-store';

export interface DigestDeps {
  /** domain of the Message-IDs (from MAIL_FROM) */
  messageDomain: string;
  clock: () => Date;
  /**
   * Whether the directory (funders' report recipients and languages, funder and programme names)
   * has consumed what its producers had committed when the run was complete; false holds the run
   * until it has (the catch-up gate then has the digests built).
   */
  directoryCaughtUp: (tx: SqlTx, runId: string) => Promise<boolean>;
}

/**
 * Once a run is closed, all its stages are here and the directory has caught up, puts its unsent
 * ledger rows into digests — one per contact address, plus the funders' own copies (the rule:
 * `domain/digest-plan.ts`) — in the caller's transaction. Returns false while the run is not
 * closed, stages are missing or the directory is behind. (The contacts themselves come with each
 * stage, so a digest never waits for them; the funders' copies and names come from the directory.)
 */
export async function buildDigests(tx: SqlTx, runId: string, deps: DigestDeps): Promise<boolean> {
  const run = await lockRun(tx, runId);
  if (!run) return false;
  if ((await countRunStages(tx, runId)) < run.expected) return false;
  if (!(await deps.directoryCaughtUp(tx, runId))) return false;
  const pending = await lockUndigested(tx, runId);
  if (pending.length > 0) {
    const pairs = new Map(
      pending.flatMap((r) =>
        r.granteeId ? [[preferenceKey(r.granteeId, r.email), { granteeId: r.granteeId, email: r.email }]] : [],
      ),
    );
    const locales = await chosenLocales(tx, [...pairs.values()]);
    const funders = await funderCopiesTo(tx, [...new Set(pending.filter((r) => r.escalate).map((r) => r.funderId))]);
    const plan = planDigests(runId, pending, locales, funders, deps.messageDomain);
    await insertDigests(tx, runId, deps.clock(), plan.digests);
    await assignToDigests(tx, plan.assign);
  }
  await markRunDigested(tx, runId);
  return true;
}
