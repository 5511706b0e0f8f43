import { AppError, fieldError, invalid, isLocale, type FieldError, type Locale } from '@pc/service-kit';
import { page, type PageContext, type PageResult } from '../page';
import { CsrfField } from '../layout';
import { principalFor } from '../../domain/person';
import { readEmail } from '../../use-cases/sign-in';
import { addMember, listMembers, removableBy, removeMember } from '../../use-cases/members';
import { field, idParam, param } from './api';
import { dash } from './texts';
import { AreaNav, formatDate } from './views';

/** The roles a funder may invite (an admin is an admin's decision: addMember refuses it with a 403). */
const INVITED_ROLES = ['funder_officer', 'auditor'] as const;
type InvitedRole = (typeof INVITED_ROLES)[number];
type Field = 'email' | 'role' | 'locale';

interface FormState {
  values: { email: string; role: string; locale: string };
  errors: Partial<Record<Field, string>>;
}

const textOf = (e: { message: string; fr?: string }, l: Locale): string => (l === 'fr' && e.fr ? e.fr : e.message);

/**
 * Where a refusal of the use case is shown: a field error on its field; a 403 (a role or scope the
 * funder may not give) on the role; a 409 (the address is already someone's membership elsewhere) on
 * the email. Anything else is not about the form and becomes the error page.
 */
function formErrors(err: AppError, l: Locale): Partial<Record<Field, string>> | null {
  const out: Partial<Record<Field, string>> = {};
  for (const e of err.errors ?? []) {
    const f: Field = e.path === 'email' || e.path === 'locale' ? e.path : 'role'; // funderIds: the role's scope
    out[f] = out[f] ? `${out[f]} ; ${textOf(e, l)}` : textOf(e, l);
  }
  if (Object.keys(out).length > 0) return out;
  if (err.code === 'forbidden') return { role: textOf(err, l) };
  if (err.code === 'conflict') return { email: textOf(err, l) };
  return null;
}

/** The invitation form as posted: every field checked, every error named, before anything is written. */
function readInvitation(ctx: PageContext): { email: string; role: InvitedRole; locale: Locale } {
  const errors: FieldError[] = [];
  let email = '';
  try {
    email = readEmail(field(ctx, 'email'));
  } catch (e) {
    if (!(e instanceof AppError) || !e.errors) throw e;
    errors.push(...e.errors);
  }
  const role = field(ctx, 'role');
  if (!INVITED_ROLES.includes(role as InvitedRole))
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
  if (errors.length > 0) throw invalid(errors);
  return { email, role: role as InvitedRole, locale: locale as Locale };
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
  extra: { notice?: string; form?: FormState } = {},
  status?: number,
): Promise<PageResult> {
  const t = dash[ctx.locale];
  const me = ctx.person!;
  const p = principalFor(me);
  const { data } = await listMembers(ctx.deps, p);
  const values = extra.form?.values ?? { email: '', role: 'funder_officer', locale: 'fr' };
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
    title: t.membersTitle,
    body: (
      <>
        <AreaNav ctx={ctx} area="funder" />
        <p>{t.membersIntro}</p>
        <p>{t.cannotRemoveSelf}</p>
        {extra.notice && (
          <p class="notice" role="status">
            {extra.notice}
          </p>
        )}
        <section aria-labelledby="invite-h">
          <h2 id="invite-h">{t.inviteTitle}</h2>
          <form method="post" action="/funder/members" class="stack" novalidate>
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
              {INVITED_ROLES.map((r) => (
                <option key={r} value={r} selected={values.role === r}>
                  {t.roles[r]}
                </option>
              ))}
            </select>
            <span class="help" id="member-role-help">
              {t.roleHelp}
            </span>
            <ErrorOf f="role" />
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
                          <form method="post" action={`/funder/members/${m.id}/remove`} class="inline">
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

export const membersPage = page({
  method: 'GET',
  path: '/funder/members',
  access: ['funder_officer'],
  handle: (ctx) => {
    const done = param(ctx, 'done');
    const key = done === 'invited' || done === 'removed' ? NOTICES[done] : undefined;
    return membersScreen(ctx, { notice: key ? dash[ctx.locale][key] : undefined });
  },
});

export const inviteMemberPage = page({
  method: 'POST',
  path: '/funder/members',
  access: ['funder_officer'],
  handle: async (ctx) => {
    const values = { email: field(ctx, 'email'), role: field(ctx, 'role'), locale: field(ctx, 'locale') };
    try {
      const input = readInvitation(ctx);
      await addMember(ctx.deps, principalFor(ctx.person!), input, ctx.locale);
    } catch (err) {
      const errors = err instanceof AppError ? formErrors(err, ctx.locale) : null;
      if (!errors || !(err instanceof AppError)) throw err;
      return membersScreen(ctx, { form: { values, errors } }, err.status);
    }
    // the address stays out of the URL (history, logs): the notice says only that it was sent
    return { redirect: '/funder/members?done=invited' };
  },
});

export const removeMemberPage = page({
  method: 'POST',
  path: '/funder/members/:id/remove',
  access: ['funder_officer'],
  handle: async (ctx) => {
    await removeMember(ctx.deps, principalFor(ctx.person!), idParam(ctx), { email: ctx.person!.email });
    return { redirect: '/funder/members?done=removed' };
  },
});
