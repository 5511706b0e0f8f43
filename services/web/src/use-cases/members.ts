import { AppError, fieldError, invalid, notFound, unavailable, type Locale, type Principal } from '@pc/service-kit';
import type { components } from '@pc/contracts';
import type { WebDeps } from '../deps';
import type { MemberRow } from '../adapters/member-store';
import { normaliseEmail } from '../domain/person';
import { invitationEmail } from '../domain/emails';
import { SIGN_IN_LINK_MS, signInLinkUrl } from './sign-in';

type MemberInput = components['schemas']['MemberInput'];
type Member = components['schemas']['Member'];

const forbidden = (fr: string, en: string): AppError => new AppError('forbidden', { fr, en });

export const memberView = (m: MemberRow): Member => ({
  id: m.id,
  email: m.email,
  role: m.role,
  funderIds: m.funderIds,
  createdAt: m.createdAt.toISOString(),
});

/** The funder a caller manages members of: its own (funder key or officer); null for an admin (every funder). */
function managedFunder(p: Principal): string | null {
  if (p.role === 'admin') return null;
  if (p.role === 'funder' && p.funderId) return p.funderId;
  throw forbidden(
    'seuls un administrateur ou un bailleur de fonds gèrent les membres',
    'only an admin or a funder manages members',
  );
}

/**
 * POST /v1/members: an admin adds any role; a funder adds funder officers and auditors of its own
 * funder only. The scope's shape follows the role (one funder, at least one, none). The invitation
 * email carries a 15-minute sign-in link (ask for another on the sign-in page later).
 */
export async function addMember(
  deps: Pick<WebDeps, 'members' | 'links' | 'mailer' | 'cfg'>,
  p: Principal,
  input: MemberInput,
  locale: Locale,
): Promise<Member> {
  const own = managedFunder(p);
  const funderIds = [...new Set(input.funderIds ?? [])];
  if (own !== null) {
    if (input.role === 'admin')
      throw forbidden('un bailleur de fonds ne peut pas ajouter d’administrateur', 'a funder may not add an admin');
    if (funderIds.some((id) => id !== own))
      throw forbidden(
        'un bailleur de fonds ajoute des membres de ses propres données seulement',
        "a funder adds members of its own funder's data only",
      );
    if (funderIds.length === 0) funderIds.push(own);
  }
  if (input.role === 'funder_officer' && funderIds.length !== 1)
    throw invalid([
      fieldError('funderIds', {
        fr: 'un membre du personnel d’un bailleur de fonds nomme exactement un bailleur de fonds',
        en: 'a funder officer names exactly one funder',
      }),
    ]);
  if (input.role === 'auditor' && funderIds.length === 0)
    throw invalid([
      fieldError('funderIds', {
        fr: 'un vérificateur nomme au moins un bailleur de fonds',
        en: 'an auditor names at least one funder',
      }),
    ]);
  if (input.role === 'admin' && funderIds.length > 0)
    throw invalid([
      fieldError('funderIds', { fr: 'un administrateur n’a pas de portée', en: 'an admin has no scope' }),
    ]);
  const email = normaliseEmail(input.email);
  const row = await deps.members.add({ email, role: input.role, funderIds, invitedBy: p.keyId }, own);
  // A funder may not take over a person another funder (or an admin) gave access: changing that
  // member's role or scope would strip or widen access the funder does not own. The answer names
  // no other funder.
  if (!row) {
    const text = {
      fr: 'cette adresse est déjà celle d’un membre dont l’accès dépasse votre organisme; un administrateur peut le modifier',
      en: "this email is already a member whose access goes beyond your funder's; an admin can change it",
    };
    throw new AppError('conflict', text, [fieldError('email', text)]);
  }
  const token = await deps.links.issue(email, SIGN_IN_LINK_MS);
  const lang = input.locale ?? locale;
  try {
    await deps.mailer.send(invitationEmail(email, lang, signInLinkUrl(deps.cfg.PUBLIC_BASE_URL, token)));
  } catch {
    // The member is recorded; only the email is missing. The same invitation sent again changes
    // nothing else and sends it (an unreachable relay is an operator's 3 a.m. matter, not a 500).
    throw unavailable(
      {
        fr: 'le membre est enregistré, mais le courriel d’invitation n’a pas pu partir (relais de courriel injoignable) : renvoyez la même invitation plus tard',
        en: 'the member is recorded, but the invitation email could not be sent (mail relay unreachable): send the same invitation again later',
      },
      60,
    );
  }
  return memberView(row);
}

/** GET /v1/members: an admin's every member; a funder's, those whose scope includes it. */
export async function listMembers(deps: Pick<WebDeps, 'members'>, p: Principal): Promise<{ data: Member[] }> {
  const own = managedFunder(p);
  return { data: (await deps.members.list(own === null ? null : [own])).map(memberView) };
}

/**
 * DELETE /v1/members/{id} and the members page: within the caller's scope (another funder's member is
 * a 404); sessions end at once. `by` is the signed-in person acting from the pages: removing oneself
 * is a 409, so an officer never locks itself out by a misplaced click (another officer or an admin
 * can). An API key is nobody's membership, so the API route passes no one.
 */
export async function removeMember(
  deps: Pick<WebDeps, 'members'>,
  p: Principal,
  id: string,
  by?: { email: string },
): Promise<void> {
  managedFunder(p); // a role that manages no members is a 403 before anything is looked up
  const m = await deps.members.byId(id);
  if (!m || !removableBy(p, m)) throw notFound('member', 'membre');
  if (by && normaliseEmail(by.email) === m.email)
    throw new AppError('conflict', {
      fr: 'vous ne pouvez pas vous retirer vous-même : demandez-le à une autre personne du bailleur de fonds ou à un administrateur',
      en: 'you cannot remove yourself: ask another person of the funder or an admin',
    });
  await deps.members.remove(m.id, m.email);
}

/**
 * Whether the caller may remove this member: an admin any; a funder one whose whole scope is its own
 * funder (an auditor who also reads another funder is listed, not removed: an admin decides). The
 * members page shows its buttons by the same rule. A caller that manages no members is a 403.
 */
export function removableBy(p: Principal, m: Pick<MemberRow, 'funderIds'>): boolean {
  const own = managedFunder(p);
  return own === null || m.funderIds.every((f) => f === own);
}
