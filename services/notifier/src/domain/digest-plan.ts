import { eventId } from '@pc/contracts';
import type { Locale } from '@pc/service-kit';
import { digestMessageId } from './ids';
import { asLocale } from './reminder';

/*
 * Digest building (pure): which of a complete run's stages go into which email. ONE digest per
 * contact address, across funders and agreements. When an escalate stage is in it, the funder's
 * report recipients are copied: in Cc when the digest speaks of that funder only; otherwise each
 * escalating funder gets its own copy (kind `funder_copy`) of its part alone, so a funder never
 * reads about another funder's grants.
 */

export type DigestKind = 'contact' | 'funder_copy';

/** A ledger row of the run not yet in a digest (one stage for one address). */
export interface PendingStage {
  id: string;
  email: string;
  funderId: string;
  /** the grantee the reminder stage names (null on a row recorded without one) */
  granteeId: string | null;
  escalate: boolean;
  contactLocale: string;
}

/** Key of a contact's preferences: they belong to one grantee's contact, not to the address everywhere. */
export const preferenceKey = (granteeId: string, email: string): string => `${granteeId} ${email}`;

/**
 * The locale the grantees of a digest chose for this address: used only when every grantee the
 * digest speaks of chose the same one. A preference is one grantee's (PUT
 * /v1/me/contacts/{email}/preferences); an address that is a contact of several grantees (of other
 * funders) is not switched by one of them for the others' agreements.
 */
export function agreedLocale(email: string, group: PendingStage[], chosen: Map<string, string | null>): string | null {
  const choices = new Set<string | null>();
  for (const g of new Set(group.map((r) => r.granteeId)))
    choices.add(g ? (chosen.get(preferenceKey(g, email)) ?? null) : null);
  return choices.size === 1 ? [...choices][0]! : null;
}

/** What a funder's copy needs: its language and who follows up there. */
export interface FunderCopyTo {
  locale: string;
  reportRecipients: string[];
}

export interface PlannedDigest {
  id: string;
  kind: DigestKind;
  parent: string | null;
  email: string;
  funder: string | null;
  to: string[];
  cc: string[];
  locale: Locale;
  messageId: string;
}

export interface DigestPlan {
  digests: PlannedDigest[];
  /** every pending ledger row and the contact digest it now belongs to */
  assign: { id: string; digest: string }[];
}

/**
 * @param stages the run's pending ledger rows, ordered by address then id
 * @param chosenLocales the locale a grantee chose for its contact (preferences route), by `preferenceKey`
 * @param funders the escalating funders' languages and report recipients, by funder id
 */
export function planDigests(
  runId: string,
  stages: PendingStage[],
  chosenLocales: Map<string, string | null>,
  funders: Map<string, FunderCopyTo>,
  messageDomain: string,
): DigestPlan {
  const byEmail = new Map<string, PendingStage[]>();
  for (const r of stages) byEmail.set(r.email, [...(byEmail.get(r.email) ?? []), r]);
  const digests: PlannedDigest[] = [];
  const assign: DigestPlan['assign'] = [];
  for (const [email, group] of byEmail) {
    const ledgerIds = group.map((r) => r.id);
    const messageId = digestMessageId(ledgerIds, messageDomain);
    // Membership is part of the id: a straggler stage after the run's digests makes its own digest.
    const id = eventId('digest', runId, email, messageId);
    // The locale its grantees chose for the contact, else the one in the agreement, else French.
    const locale = asLocale(agreedLocale(email, group, chosenLocales)) ?? asLocale(group[0]?.contactLocale) ?? 'fr';
    const allFunders = new Set(group.map((r) => r.funderId));
    const escalating = [...new Set(group.filter((r) => r.escalate).map((r) => r.funderId))];
    const recipients = (f: string): string[] => (funders.get(f)?.reportRecipients ?? []).filter((a) => a !== email);
    const cc = allFunders.size === 1 && escalating.length === 1 ? recipients(escalating[0]!) : [];
    digests.push({ id, kind: 'contact', parent: null, email, funder: null, to: [email], cc, locale, messageId });
    if (allFunders.size > 1) {
      for (const f of escalating) {
        const to = recipients(f);
        if (to.length === 0) continue;
        const part = group.filter((r) => r.funderId === f).map((r) => r.id);
        digests.push({
          id: eventId('funder_copy', id, f),
          kind: 'funder_copy',
          parent: id,
          email,
          funder: f,
          to,
          cc: [],
          locale: asLocale(funders.get(f)?.locale) ?? 'fr',
          messageId: digestMessageId(part, messageDomain, `copy:${f}`),
        });
      }
    }
    for (const l of ledgerIds) assign.push({ id: l, digest: id });
  }
  return { digests, assign };
}
