import type pg from 'pg';
import { enqueue, pgTransact, type NewEvent } from '@pc/bus';
import { eventId } from '@pc/contracts';
import { agreementsById } from '../adapters/agreement-store';
import { matchedNotesPage, recordChecks, type NoteCheck } from '../adapters/note-store';
import { evidenceVerdict } from '../domain/evidence-withdrawal';
import { sha256 } from '../domain/ids';
import type { SyncPass } from '../domain/sync-run';

const PAGE = 1000;

export interface ReverifyDeps {
  pool: pg.Pool;
  /** matched notes last checked more recently than this are not fetched again (0 = all) */
  reverifyMinAgeSeconds: number;
  /** publishes now what a committed transaction put in the outbox */
  kick: () => void;
}

/**
 * Re-checks every note matched to an agreement (found in a feed or declared) once per cycle — those
 * not checked within `reverifyMinAgeSeconds`, each page fetched at most once per run (discovery's
 * pages are reused) — a page of notes at a time: the evidence-withdrawal rule (domain/evidence-withdrawal.ts) decides, each page's outcomes
 * and its `praxis.note.withdrawn.v1` / `praxis.note.verified.v1` (source `reverify`) events commit
 * together.
 */
export async function reverifyNotes(deps: ReverifyDeps, pass: SyncPass): Promise<void> {
  const { counts, unavailable } = pass;
  const checkedBefore = new Date(Date.now() - deps.reverifyMinAgeSeconds * 1000);
  let after = '';
  for (;;) {
    const notes = await matchedNotesPage(deps.pool, after, PAGE, checkedBefore);
    if (notes.length === 0) return;
    after = notes[notes.length - 1]!.id;
    const agreements = new Map(
      (await agreementsById(deps.pool, [...new Set(notes.flatMap((n) => n.agreementIds))])).map((a) => [a.id, a]),
    );
    const events: NewEvent[] = [];
    const checks: NoteCheck[] = [];
    const now = new Date();
    await Promise.all(
      notes.map(async (n) => {
        const matched = n.agreementIds.flatMap((id) => agreements.get(id) ?? []);
        const outcome = await pass.page(n.url);
        const verdict = evidenceVerdict(n.state, outcome, matched);
        counts.reverified++;
        switch (verdict.kind) {
          case 'unavailable':
            counts.unavailable++;
            if (unavailable.length < 100) unavailable.push(`${n.url}: ${verdict.message}`);
            return;
          case 'unjudged':
            if (outcome.kind === 'disallowed') counts.pagesDisallowed++;
            else counts.pagesInvalid++;
            return;
          case 'withdrawn': {
            const { reason, httpStatus } = verdict;
            checks.push({
              id: n.id,
              state: 'withdrawn',
              reason,
              status: httpStatus,
              title: null,
              sha: null,
              verified: false,
            });
            if (verdict.newly) {
              counts.withdrawn++;
              events.push({
                type: 'praxis.note.withdrawn.v1',
                subject: n.id,
                id: eventId('praxis-connector', 'praxis.note.withdrawn', n.id, now.toISOString()),
                data: { noteUrl: n.url, noteId: n.id, reason, httpStatus, at: now.toISOString() },
              });
            }
            return;
          }
          case 'public': {
            const c = verdict.content;
            const sha = sha256(c.text);
            checks.push({ id: n.id, state: 'public', reason: null, status: 200, title: c.title, sha, verified: true });
            if (verdict.restored) {
              counts.restored++;
              events.push({
                type: 'praxis.note.verified.v1',
                subject: n.id,
                id: eventId('praxis-connector', 'praxis.note.verified', 'reverify', n.id, now.toISOString()),
                data: {
                  noteUrl: n.url,
                  noteId: n.id,
                  title: c.title,
                  textSha256: sha,
                  publishedOn: n.publishedOn,
                  firstSeenAt: n.firstSeenAt.toISOString(),
                  verifiedAt: now.toISOString(),
                  source: 'reverify',
                  agreementIds: verdict.agreementIds,
                },
              });
            }
            return;
          }
        }
      }),
    );
    if (checks.length === 0) continue;
    await pgTransact(deps.pool)(async (tx) => {
      await recordChecks(tx, checks);
      await enqueue(tx, events);
    });
    if (events.length > 0) deps.kick();
  }
}
