import { catalog, type Locale } from '@pc/service-kit';

/** One email the web service sends (sign-in link, invitation). */
export interface WebEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  language: string;
}

const texts = catalog({
  fr: {
    signInSubject: 'Votre lien de connexion à Praxis conformité',
    signInBody: (link: string) =>
      `Bonjour,\n\nVoici votre lien de connexion. Il est valable 15 minutes et ne sert qu’une fois :\n\n${link}\n\nSi vous n’avez rien demandé, ignorez ce courriel : personne ne peut se connecter sans ce lien.`,
    inviteSubject: 'Vous êtes invité à Praxis conformité',
    inviteBody: (link: string) =>
      `Bonjour,\n\nVous avez été ajouté comme membre de Praxis conformité. Ce lien vous connecte ; il est valable 15 minutes et ne sert qu’une fois :\n\n${link}\n\nPlus tard, demandez un nouveau lien sur la page de connexion.`,
  },
  en: {
    signInSubject: 'Your Praxis compliance sign-in link',
    signInBody: (link: string) =>
      `Hello,\n\nHere is your sign-in link. It is valid for 15 minutes and works once:\n\n${link}\n\nIf you did not ask for it, ignore this email: nobody can sign in without this link.`,
    inviteSubject: 'You are invited to Praxis compliance',
    inviteBody: (link: string) =>
      `Hello,\n\nYou were added as a member of Praxis compliance. This link signs you in; it is valid for 15 minutes and works once:\n\n${link}\n\nLater, ask for a new link on the sign-in page.`,
  },
});

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function email(to: string, locale: Locale, subject: string, text: string, link: string): WebEmail {
  const html = text
    .split('\n\n')
    .map((p) =>
      p === link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>` : `<p>${escapeHtml(p)}</p>`,
    )
    .join('\n');
  return {
    to,
    subject,
    text,
    html: `<!doctype html><html lang="${locale}"><body>${html}</body></html>`,
    language: locale,
  };
}

export const signInEmail = (to: string, locale: Locale, link: string): WebEmail =>
  email(to, locale, texts.t(locale, 'signInSubject'), texts.t(locale, 'signInBody', link), link);

export const invitationEmail = (to: string, locale: Locale, link: string): WebEmail =>
  email(to, locale, texts.t(locale, 'inviteSubject'), texts.t(locale, 'inviteBody', link), link);
