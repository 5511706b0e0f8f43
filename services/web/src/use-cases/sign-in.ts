import { AppError, fieldError, invalid, type Locale } from '@pc/service-kit';
import type { WebDeps } from '../deps';
import { normaliseEmail, type Person } from '../domain/person';
import { signInEmail } from '../domain/emails';

export const SIGN_IN_LINK_MS = 15 * 60_000;

export type SignInDeps = Pick<
  WebDeps,
  'cfg' | 'mailer' | 'logger' | 'callsFor' | 'members' | 'links' | 'perAddress' | 'inFlight'
>;

const EMAIL = /^[^\s@<>]{1,64}@[^\s@<>]{1,255}\.[^\s@<>]{2,}$/;

/** The address as typed, checked for shape only (a refusal here says nothing about who is known). */
export function readEmail(raw: unknown): string {
  const email = typeof raw === 'string' ? normaliseEmail(raw) : '';
  if (!EMAIL.test(email) || email.length > 254)
    throw invalid([
      fieldError('email', {
        fr: 'Saisissez une adresse courriel complète (nom@exemple.org).',
        en: 'Enter a full email address (name@example.org).',
      }),
    ]);
  return email;
}

/**
 * A person asks for a sign-in link. The answer never depends on the address: whether it belongs to
 * a member or a contact, or to nobody, is looked up *after* answering (the work runs detached), so
 * neither the page nor its timing tells. Per client address, too many requests are a 429; per email,
 * links beyond the limit are silently not sent.
 */
export function requestSignInLink(deps: SignInDeps, rawEmail: unknown, address: string, locale: Locale): void {
  const email = readEmail(rawEmail);
  if (!deps.perAddress.take(address))
    throw new AppError(
      'rate_limited',
      {
        fr: 'Trop de demandes de lien depuis cette adresse. Réessayez dans quelques minutes.',
        en: 'Too many link requests from this address. Try again in a few minutes.',
      },
      undefined,
      { retryAfterSeconds: 60 },
    );
  const work = deliver(deps, email, locale).catch((err: unknown) => {
    deps.logger.warn({ err: (err as Error).message }, 'sign-in link not sent');
  });
  deps.inFlight.add(work);
  void work.finally(() => deps.inFlight.delete(work));
}

async function deliver(deps: SignInDeps, email: string, locale: Locale): Promise<void> {
  const since = new Date(Date.now() - SIGN_IN_LINK_MS);
  if ((await deps.links.issuedSince(email, since)) >= deps.cfg.SIGN_IN_REQUESTS_PER_EMAIL) return;
  if (!(await isKnown(deps, email))) return;
  const token = await deps.links.issue(email, SIGN_IN_LINK_MS);
  await deps.mailer.send(signInEmail(email, locale, signInLinkUrl(deps.cfg.PUBLIC_BASE_URL, token)));
}

export const signInLinkUrl = (base: string, token: string): string =>
  `${base.replace(/\/+$/, '')}/sign-in/link?token=${encodeURIComponent(token)}`;

/** A member, or an email listed as a contact on at least one agreement. */
async function isKnown(deps: Pick<SignInDeps, 'members' | 'callsFor'>, email: string): Promise<boolean> {
  return (await deps.members.active(email)) !== null || (await isContact(deps, email));
}

/** An email listed as a contact on at least one agreement (asked of the obligations service, as that contact). */
async function isContact(deps: Pick<SignInDeps, 'callsFor'>, email: string): Promise<boolean> {
  const res = await deps.callsFor({ email, role: 'grantee_contact', funderIds: [] }, 'fr')(
    'obligations',
    '/v1/me/obligations?limit=1',
  );
  if (!res.ok) return false;
  const body = (await res.json()) as { data?: unknown[] };
  return (body.data?.length ?? 0) > 0;
}

/**
 * Who an email is once its link is used: its membership, else a grantee contact (scoped by the
 * agreements listing it), else nobody (null). Checked again at use, not only when the link was
 * sent: a member removed, or a contact taken off every agreement, in the link's 15 minutes gets no
 * session (it would open an empty contact page, and write the address back here).
 */
export async function personOf(deps: Pick<SignInDeps, 'members' | 'callsFor'>, email: string): Promise<Person | null> {
  const m = await deps.members.active(email);
  if (m) return { email, role: m.role, funderIds: m.funderIds };
  return (await isContact(deps, email)) ? { email, role: 'grantee_contact', funderIds: [] } : null;
}
