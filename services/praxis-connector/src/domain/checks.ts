import type { PageOutcome } from './page';
import { mentions } from './references';

export type Locale = 'fr' | 'en';
export type CheckName = 'host_allowed' | 'publicly_accessible' | 'mentions_reference' | 'published_in_window';
export interface Check { name: CheckName; passed: boolean; detail: string }

export interface AgreementRef {
  id: string; funderId: string; referenceCode: string; externalRef: string | null; startDate: string; dueDate: string;
}

export interface Publication { publishedOn: string | null; source: 'feed' | 'meta' | 'page_line' | 'first_seen' }

const L = (locale: Locale, fr: string, en: string): string => (locale === 'en' ? en : fr);

const sourceText = (s: Publication['source'], locale: Locale): string => ({
  feed: L(locale, 'selon le fil de Praxis', 'according to the Praxis feed'),
  meta: L(locale, 'selon les métadonnées de la page', 'according to the page metadata'),
  page_line: L(locale, 'selon la mention « Publication » de la page', 'according to the page\'s "Publication" line'),
  first_seen: L(locale, 'date à laquelle le système l\'a vue pour la première fois, faute de date publiée', 'the date the system first saw it, as no publication date is given'),
})[s];

/** host_allowed and publicly_accessible from the page outcome (the page adapter applied the host rule to every hop). */
export function accessChecks(outcome: PageOutcome, praxisHost: string, locale: Locale): { host: Check; access: Check } {
  const host = (passed: boolean, fr: string, en: string): Check => ({ name: 'host_allowed', passed, detail: L(locale, fr, en) });
  const access = (passed: boolean, fr: string, en: string): Check => ({ name: 'publicly_accessible', passed, detail: L(locale, fr, en) });
  const okHost = host(true, `L'adresse est sur l'hôte Praxis configuré (${praxisHost}).`, `The URL is on the configured Praxis host (${praxisHost}).`);
  const notReached = (why: string, whyEn: string): Check => access(false, `Non vérifié : ${why}.`, `Not checked: ${whyEn}.`);
  switch (outcome.kind) {
    case 'refused': {
      const h = outcome.host ?? '?';
      const [fr, en] = ({
        invalid_url: ['L\'adresse n\'est pas une URL valide.', 'The address is not a valid URL.'],
        scheme: ['Seules les adresses http(s) de Praxis sont acceptées.', 'Only http(s) Praxis addresses are accepted.'],
        credentials: ['L\'adresse contient des identifiants (utilisateur ou mot de passe) : refusée.', 'The URL contains credentials (user or password): refused.'],
        ip_literal: [`L'adresse désigne une adresse IP (${h}) et non l'hôte Praxis (${praxisHost}) : refusée sans être consultée.`, `The URL points at an IP address (${h}), not the Praxis host (${praxisHost}): refused without being fetched.`],
        other_host: [`L'adresse est sur ${h}, pas sur l'hôte Praxis (${praxisHost}) : refusée sans être consultée.`, `The URL is on ${h}, not on the Praxis host (${praxisHost}): refused without being fetched.`],
        port: [`L'adresse vise un autre port que celui de Praxis (${praxisHost}) : refusée.`, `The URL targets another port than Praxis (${praxisHost}): refused.`],
        redirect_other_host: [`La page redirige vers un autre hôte (${h}) ; la redirection n'a pas été suivie.`, `The page redirects to another host (${h}); the redirect was not followed.`],
      } as const)[outcome.reason];
      return { host: host(false, fr, en), access: notReached('l\'adresse a été refusée', 'the URL was refused') };
    }
    case 'public':
      return { host: okHost, access: access(true, 'La note est publique : la page répond (HTTP 200) sans connexion.', 'The note is public: the page answers (HTTP 200) without signing in.') };
    case 'not_public': {
      const s = outcome.httpStatus ? ` (HTTP ${outcome.httpStatus})` : '';
      const [fr, en] = ({
        not_found: [`La note est introuvable${s}.`, `The note was not found${s}.`],
        gone: [`La note a été supprimée${s}.`, `The note was deleted${s}.`],
        login_required: [`La note n'est visible qu'après connexion${s} : elle n'est pas publique.`, `The note requires signing in${s}: it is not public.`],
        private: [`La note est privée${s}.`, `The note is private${s}.`],
      } as const)[outcome.reason];
      return { host: okHost, access: access(false, fr, en) };
    }
    case 'unavailable':
      return { host: okHost, access: access(false,
        `Praxis n'a pas pu être joint (${outcome.reason === 'timeout' ? 'délai dépassé' : outcome.reason === 'server_error' ? `erreur du serveur HTTP ${outcome.httpStatus}` : 'connexion impossible'}) ; réessayez plus tard.`,
        `Praxis could not be reached (${outcome.reason === 'timeout' ? 'timed out' : outcome.reason === 'server_error' ? `server error HTTP ${outcome.httpStatus}` : 'connection failed'}); try again later.`) };
    case 'invalid': {
      const [fr, en] = ({
        too_large: ['La page dépasse la taille maximale acceptée.', 'The page exceeds the maximum accepted size.'],
        not_html: ['L\'adresse ne mène pas à une page HTML de note.', 'The URL does not lead to an HTML note page.'],
        unexpected_status: [`Réponse inattendue de Praxis (HTTP ${outcome.httpStatus}).`, `Unexpected answer from Praxis (HTTP ${outcome.httpStatus}).`],
        too_many_redirects: ['Trop de redirections.', 'Too many redirects.'],
        not_a_note: ['L\'adresse n\'est pas celle d\'une note Praxis (/n/<identifiant>/).', 'The URL is not a Praxis note address (/n/<id>/).'],
      } as const)[outcome.reason];
      return { host: okHost, access: access(false, fr, en) };
    }
  }
}

export function mentionCheck(text: string | null, a: Pick<AgreementRef, 'referenceCode' | 'externalRef'>, locale: Locale): Check {
  const name = 'mentions_reference' as const;
  if (text === null) return { name, passed: false, detail: L(locale, 'Non vérifié : la page n\'a pas pu être lue.', 'Not checked: the page could not be read.') };
  if (mentions(text, a.referenceCode)) {
    return { name, passed: true, detail: L(locale, `La note mentionne le code de référence ${a.referenceCode}.`, `The note mentions the reference code ${a.referenceCode}.`) };
  }
  if (a.externalRef && mentions(text, a.externalRef)) {
    return { name, passed: true, detail: L(locale, `La note mentionne la référence du bailleur ${a.externalRef}.`, `The note mentions the funder's reference ${a.externalRef}.`) };
  }
  const refs = a.externalRef ? `${a.referenceCode} / ${a.externalRef}` : a.referenceCode;
  return { name, passed: false, detail: L(locale, `La note ne mentionne pas la référence de l'entente (${refs}).`, `The note does not mention the agreement's reference (${refs}).`) };
}

/** On or after the start date passes; after the due date still passes, recorded as late. */
export function windowCheck(pub: Publication | null, a: Pick<AgreementRef, 'startDate' | 'dueDate'>, locale: Locale): { check: Check; late: boolean } {
  const name = 'published_in_window' as const;
  if (!pub || !pub.publishedOn) return { check: { name, passed: false, detail: L(locale, 'Non vérifié : la date de publication est inconnue.', 'Not checked: the publication date is unknown.') }, late: false };
  const d = pub.publishedOn;
  const src = sourceText(pub.source, locale);
  if (d < a.startDate) {
    return { check: { name, passed: false, detail: L(locale, `Publiée le ${d} (${src}), avant le début de l'entente (${a.startDate}).`, `Published on ${d} (${src}), before the agreement started (${a.startDate}).`) }, late: false };
  }
  if (d > a.dueDate) {
    return { check: { name, passed: true, detail: L(locale, `Publiée le ${d} (${src}), après l'échéance du ${a.dueDate} : acceptée, mais en retard.`, `Published on ${d} (${src}), after the due date ${a.dueDate}: accepted, but late.`) }, late: true };
  }
  return { check: { name, passed: true, detail: L(locale, `Publiée le ${d} (${src}), depuis le début de l'entente (${a.startDate}) et avant l'échéance (${a.dueDate}).`, `Published on ${d} (${src}), since the agreement started (${a.startDate}) and by the due date (${a.dueDate}).`) }, late: false };
}

export const notReachedCheck = (name: CheckName, locale: Locale): Check => ({
  name, passed: false, detail: L(locale, 'Non vérifié : la note n\'est pas accessible publiquement.', 'Not checked: the note is not publicly accessible.'),
});

/** Publication date precedence (praxis.md): feed item, then page metadata, then the page's line, else first seen. */
export function publicationOf(feedDate: string | null, page: { publishedOn: string | null; publishedSource: 'meta' | 'page_line' | null } | null, firstSeen: string): Publication {
  if (feedDate) return { publishedOn: feedDate, source: 'feed' };
  if (page?.publishedOn && page.publishedSource) return { publishedOn: page.publishedOn, source: page.publishedSource };
  return { publishedOn: firstSeen, source: 'first_seen' };
}
