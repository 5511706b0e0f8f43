import type pg from 'pg';
import type { VerificationResponseBody } from '@pc/contracts';
import type { Locale } from '@pc/service-kit';
import { pgTransact } from '@pc/bus';
import { addMatches, noteByUrl, upsertNotes } from '../adapters/note-store';
import {
  accessChecks,
  mentionCheck,
  notReachedCheck,
  publicationOf,
  windowCheck,
  type AgreementRef,
} from '../domain/checks';
import { montrealDate } from '../domain/dates';
import { sha256 } from '../domain/ids';
import type { NotePages } from '../domain/page';

export interface VerifyDeclaredDeps {
  pool: pg.Pool;
  pages: NotePages;
  praxisHost: string;
}

/**
 * Verifies a note a grantee declared for one agreement (internal route for the obligations service):
 * the four checks, always all reported in order. When all pass, the note and its match are stored so
 * later syncs re-verify it. The obligations service adds not_already_used and owns the fulfilment.
 */
export async function verifyDeclaredNote(
  deps: VerifyDeclaredDeps,
  input: { url: string; locale: Locale; agreement: AgreementRef },
): Promise<VerificationResponseBody> {
  const { locale, agreement } = input;
  const outcome = await deps.pages.fetchNote(input.url);
  const { host, access } = accessChecks(outcome, deps.praxisHost, locale);
  if (outcome.kind !== 'public') {
    return {
      checks: [
        host,
        access,
        notReachedCheck('mentions_reference', locale),
        notReachedCheck('published_in_window', locale),
      ],
      note: null,
    };
  }
  const now = new Date();
  const known = await noteByUrl(deps.pool, outcome.url);
  const firstSeenAt = known?.firstSeenAt ?? now;
  const pub = publicationOf(
    known?.feedPublishedOn ?? null,
    outcome.content,
    known?.publishedOn ?? montrealDate(firstSeenAt),
  );
  const mention = mentionCheck(outcome.content.text, agreement, locale);
  const window = windowCheck(pub, agreement, locale);
  const checks = [host, access, mention, window.check];
  if (!checks.every((c) => c.passed)) return { checks, note: null };
  const textSha256 = sha256(outcome.content.text);
  await pgTransact(deps.pool)(async (tx) => {
    await upsertNotes(tx, [
      {
        id: outcome.noteId,
        url: outcome.url,
        title: outcome.content.title,
        textSha256,
        publishedOn: pub.publishedOn,
        publishedSource: pub.source,
        feedPublishedOn: known?.feedPublishedOn ?? null,
        firstSeenAt,
        verifiedAt: now,
      },
    ]);
    // A declared note that had been withdrawn and is public again: the next sync's re-verification
    // emits the 'reverify' event; here the obligations service fulfils directly.
    await addMatches(tx, [{ noteId: outcome.noteId, agreementId: agreement.id }], 'declared');
  });
  return {
    checks,
    note: {
      url: outcome.url,
      noteId: outcome.noteId,
      title: outcome.content.title,
      textSha256,
      publishedOn: pub.publishedOn,
      firstSeenAt: firstSeenAt.toISOString(),
      verifiedAt: now.toISOString(),
      late: window.late,
    },
  };
}
