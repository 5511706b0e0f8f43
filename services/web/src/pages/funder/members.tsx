import { AppError, fieldError, invalid, isLocale, type FieldError, type Locale } from '@pc/service-kit';
import { page, type PageContext, type PageResult } from '../page';
import { CsrfField } from '../layout';
import { principalFor } from '../../domain/person';
import { readEmail } from '../../use-cases/sign-in';
import { addMember, listMembers, removableBy, removeMember } from '../../use-cases/members';
import { field, idParam, param, UUID } from './api';
import { dash } from './texts';
import { AreaNav, formatDate } from './views';

/**
 * The page serves two areas: a funder officer's (`/funder/members`, its own funder's members) and an
 * admin's (`/admin`, every member; the admin names the funders of a new member's scope by id, as the
 * API does, and may invite another admin). The rules are the use cases', for the signed-in principal.
 */
type MembersArea = 'funder' | 'admin';
const BASE: Record<MembersArea, string> = { funder: '/funder/members', admin: '/admin' };

/** The roles each area invites (a funder may not add an admin: addMember refuses it with a 403). */
const ROLES_OF = {
  funder: ['funder_officer', 'auditor'],
  admin: ['funder_officer', 'auditor', 'admin'],
} as const;
type InvitedRole = (typeof ROLES_OF)['admin'][number];
type Field = 'email' | 'role' | 'locale' | 'funderIds';

interface FormState {
  values: { email: string; role: string; locale: string; funderIds: string };
  errors: Partial<Record<Field, string>>;
}

const textOf = (e: { message: string; fr?: string }, l: Locale): string => (l === 'fr' && e.fr ? e.fr : e.message);

/**
 * Where a refusal of the use case is shown: a field error on its field; a 403 (a role or scope the
 * funder may not give) on the role; a 409 (the address is already someone's membership elsewhere) on
 * the email. Anything else is not about the form and becomes the error page.
 */
function formErrors(err: AppError, l: Locale, area: MembersArea): Partial<Record<Field, string>> | null {
  const out: Partial<Record<Field, string>> = {};
  for (const e of err.errors ?? []) {
    // a funder's form has no scope field: its scope is the role's (one funder, its own)
    const f: Field =
      e.path === 'email' || e.path === 'locale' ? e.path : e.path === 'funderIds' && area === 'admin' ? e.path : 'role';
    out[f] = out[f] ? `${out[f]} ; ${textOf(e, l)}` : textOf(e, l);
  }
  if (Object.keys(out).length > 0) return out;
  if (err.code === 'forbidden') return { role: textOf(err, l) };
  if (err.code === 'conflict') return { email: textOf(err, l) };
  return null;
}

/** The invitation form as posted: every field checked, every error named, before anything is written. */
function readInvitation(
  ctx: PageContext,
  area: MembersArea,
): { email: string; role: InvitedRole; locale: Locale; funderIds?: string[] } {
  const errors: FieldError[] = [];
  let email = '';
  try {
    email = readEmail(field(ctx, 'email'));
  } catch (e) {
    if (!(e instanceof AppError) || !e.errors) throw e;
    errors.push(...e.errors);
  }
  const role = field(ctx, 'role');
  if (!(ROLES_OF[area] as readonly string[]).includes(role))
    errors.push(
      fieldError('role', {
        fr: 'Choisissez un rôle : personnel du bailleur de fonds ou vérificateur.',
        en: 'Choose a role: funder officer or auditor.',
      }),
    );
  const locale = field(ctx, 'locale');
  if (!isLocale(locale))
    errors.push(
      fieldError('locale', { fr: 'Choisissez la langue de l’invitation.', en: 'Choose the invitation’s language.' }),
    );
  const funderIds = field(ctx, 'funderIds')
    .split(/[\s,;]+/)
    .filter(Boolean);
  if (area === 'admin' && funderIds.some((id) => !UUID.test(id)))
    errors.push(
      fieldError('funderIds', {
        fr: 'Chaque bailleur de fonds est nommé par son identifiant (un UUID), séparés par des virgules.',
        en: 'Name each funder by its id (a UUID), separated by commas.',
      }),
    );
  if (errors.length > 0) throw invalid(errors);
  return {
    email,
    role: role as InvitedRole,
    locale: locale as Locale,
    ...(area === 'admin' ? { funderIds } : {}),
  };
}

/**
 * The funder's members, managed from the page with the web service's own use cases (members are this
 * service's), as the signed-in officer's principal: so the page applies exactly the rules of
 * `/v1/members` for a funder (its own funder only, no admin). Listed with role and since when; invited
 * by email, role and the invitation's language (the email carries a sign-in link); removed by one
 * labelled button each, whose sessions end at once. The officer's own row has no button: removing
 * oneself is refused (409) by the use case, said here before anyone tries.
 */
async function membersScreen(
  ctx: PageContext,
  area: MembersArea,
  extra: { notice?: string; form?: FormState } = {},
  status?: number,
): Promise<PageResult> {
  const t = dash[ctx.locale];
  const base = BASE[area];
  const me = ctx.person!;
  const p = principalFor(me);
  const { data } = await listMembers(ctx.deps, p);
  const values = extra.form?.values ?? { email: '', role: 'funder_officer', locale: 'fr', funderIds: '' };
  const errors = extra.form?.errors ?? {};
  const described = (f: Field, help?: string): string | undefined =>
    [help, errors[f] ? `member-${f}-err` : undefined].filter(Boolean).join(' ') || undefined;
  const ErrorOf = ({ f }: { f: Field }) =>
    errors[f] ? (
      <span class="error" id={`member-${f}-err`}>
        {errors[f]}
      </span>
    ) : null;
  return {
    status,
    title: area === 'admin' ? t.adminTitle : t.membersTitle,
    body: (
      <>
        {area === 'funder' && <AreaNav ctx={ctx} area="funder" />}
        <p>{area === 'admin' ? t.adminIntro : t.membersIntro}</p>
        <p>{t.cannotRemoveSelf}</p>
        {extra.notice && (
          <p class="notice" role="status">
            {extra.notice}
          </p>
        )}
        <section aria-labelledby="invite-h">
          <h2 id="invite-h">{t.inviteTitle}</h2>
          <form method="post" action={base} class="stack" novalidate>
            <CsrfField ctx={ctx} />
            <label for="member-email">{t.memberEmail}</label>
            <input
              id="member-email"
              type="email"
              name="email"
              autocomplete="off"
              required
              maxLength={254}
              value={values.email}
              aria-invalid={errors.email ? 'true' : undefined}
              aria-describedby={described('email')}
            />
            <ErrorOf f="email" />
            <label for="member-role">{t.memberRole}</label>
            <select
              id="member-role"
              name="role"
              aria-invalid={errors.role ? 'true' : undefined}
              aria-describedby={described('role', 'member-role-help')}
            >
              {ROLES_OF[area].map((r) => (
                <option key={r} value={r} selected={values.role === r}>
                  {t.roles[r]}
                </option>
              ))}
            </select>
            <span class="help" id="member-role-help">
              {t.roleHelp}
            </span>
            <ErrorOf f="role" />
            {area === 'admin' && (
              <>
                <label for="member-funders">{t.funderIdsLabel}</label>
                <input
                  id="member-funders"
                  type="text"
                  name="funderIds"
                  autocomplete="off"
                  value={values.funderIds}
                  aria-invalid={errors.funderIds ? 'true' : undefined}
                  aria-describedby={described('funderIds', 'member-funders-help')}
                />
                <span class="help" id="member-funders-help">
                  {t.funderIdsHelp}
                </span>
                <ErrorOf f="funderIds" />
              </>
            )}
            <label for="member-locale">{t.invitationLocale}</label>
            <select
              id="member-locale"
              name="locale"
              aria-invalid={errors.locale ? 'true' : undefined}
              aria-describedby={described('locale')}
            >
              {(['fr', 'en'] as const).map((l) => (
                <option key={l} value={l} lang={l} selected={values.locale === l}>
                  {t.languages[l]}
                </option>
              ))}
            </select>
            <ErrorOf f="locale" />
            <button type="submit">{t.invite}</button>
          </form>
        </section>
        <section aria-labelledby="members-h">
          <h2 id="members-h">{t.membersListTitle}</h2>
          {data.length === 0 ? (
            <p>{t.noMembers}</p>
          ) : (
            <div class="table-wrap">
              <table class="members">
                <caption class="visually-hidden">{t.membersListTitle}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t.memberEmail}</th>
                    <th scope="col">{t.memberRole}</th>
                    <th scope="col">{t.since}</th>
                    <th scope="col">
                      <span class="visually-hidden">{t.remove}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((m) => (
                    <tr key={m.id} data-member={m.id}>
                      <th scope="row">{m.email}</th>
                      <td>{t.roles[m.role]}</td>
                      <td>{formatDate(m.createdAt, ctx.locale)}</td>
                      <td>
                        {m.email === me.email ? (
                          <span>{t.you}</span>
                        ) : removableBy(p, m) ? (
                          <form method="post" action={`${base}/${m.id}/remove`} class="inline">
                            <CsrfField ctx={ctx} />
                            <button type="submit" class="secondary" aria-label={t.removeLabel(m.email)}>
                              {t.remove}
                            </button>
                          </form>
                        ) : (
                          <span class="help">{t.sharedMember}</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </>
    ),
  };
}

const NOTICES = { invited: 'memberInvited', removed: 'memberRemoved' } as const;

/** The three pages of one area: the list and form, an invitation, a removal (each answered by a 303). */
function membersPages(area: MembersArea, access: 'funder_officer' | 'admin') {
  const base = BASE[area];
  return {
    list: page({
      method: 'GET',
      path: base,
      access: [access],
      handle: (ctx) => {
        const done = param(ctx, 'done');
        const key = done === 'invited' || done === 'removed' ? NOTICES[done] : undefined;
        return membersScreen(ctx, area, { notice: key ? dash[ctx.locale][key] : undefined });
      },
    }),
    invite: page({
      method: 'POST',
      path: base,
      access: [access],
      handle: async (ctx) => {
        const values = {
          email: field(ctx, 'email'),
          role: field(ctx, 'role'),
          locale: field(ctx, 'locale'),
          funderIds: field(ctx, 'funderIds'),
        };
        try {
          const input = readInvitation(ctx, area);
          await addMember(ctx.deps, principalFor(ctx.person!), input, ctx.locale);
        } catch (err) {
          const errors = err instanceof AppError ? formErrors(err, ctx.locale, area) : null;
          if (!errors || !(err instanceof AppError)) throw err;
          return membersScreen(ctx, area, { form: { values, errors } }, err.status);
        }
        // the address stays out of the URL (history, logs): the notice says only that it was sent
        return { redirect: `${base}?done=invited` };
      },
    }),
    remove: page({
      method: 'POST',
      path: `${base}/:id/remove`,
      access: [access],
      handle: async (ctx) => {
        await removeMember(ctx.deps, principalFor(ctx.person!), idParam(ctx), { email: ctx.person!.email });
        return { redirect: `${base}?done=removed` };
      },
    }),
  };
}

const funderMembers = membersPages('funder', 'funder_officer');
export const membersPage = funderMembers.list;
export const inviteMemberPage = funderMembers.invite;
export const removeMemberPage = funderMembers.remove;

/** An admin's home: every member of every funder, invited and removed here (funders and keys: the API). */
const adminMembers = membersPages('admin', 'admin');
export const adminMembersPage = adminMembers.list;
export const adminInviteMemberPage = adminMembers.invite;
export const adminRemoveMemberPage = adminMembers.remove;
