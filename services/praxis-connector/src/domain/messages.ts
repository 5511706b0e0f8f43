/**
 * What a grantee reads about each Praxis check of a note, in French (default) and English. The
 * groups are keyed by the outcome's reason, so a new reason without a text does not compile.
 */
import { catalog } from '@pc/service-kit';

/** The host a refused URL named, and the configured Praxis host. */
interface Hosts {
  host: string;
  praxisHost: string;
}
type Status = number | null;

export const checkTexts = catalog({
  fr: {
    source: {
      feed: 'selon le fil de Praxis',
      meta: 'selon les métadonnées de la page',
      page_line: 'selon la mention « Publication » de la page',
      first_seen: "date à laquelle le système l'a vue pour la première fois, faute de date publiée",
    },
    hostAllowed: (praxisHost: string) => `L'adresse est sur l'hôte Praxis configuré (${praxisHost}).`,
    refused: {
      invalid_url: () => "L'adresse n'est pas une URL valide.",
      scheme: () => 'Seules les adresses http(s) de Praxis sont acceptées.',
      credentials: () => "L'adresse contient des identifiants (utilisateur ou mot de passe) : refusée.",
      ip_literal: ({ host, praxisHost }: Hosts) =>
        `L'adresse désigne une adresse IP (${host}) et non l'hôte Praxis (${praxisHost}) : refusée sans être consultée.`,
      other_host: ({ host, praxisHost }: Hosts) =>
        `L'adresse est sur ${host}, pas sur l'hôte Praxis (${praxisHost}) : refusée sans être consultée.`,
      port: ({ praxisHost }: Hosts) => `L'adresse vise un autre port que celui de Praxis (${praxisHost}) : refusée.`,
      path: () =>
        "Le chemin de l'adresse est ambigu (il commence par « // » ou contient « \\ ») : refusée sans être consultée.",
      redirect_other_host: ({ host }: Hosts) =>
        `La page redirige vers un autre hôte (${host}) ; la redirection n'a pas été suivie.`,
    },
    refusedNotChecked: "Non vérifié : l'adresse a été refusée.",
    public: 'La note est publique : la page répond (HTTP 200) sans connexion.',
    notPublic: {
      not_found: (s: string) => `La note est introuvable${s}.`,
      gone: (s: string) => `La note a été supprimée${s}.`,
      login_required: (s: string) => `La note n'est visible qu'après connexion${s} : elle n'est pas publique.`,
      private: (s: string) => `La note est privée${s}.`,
    },
    unavailable: (why: string) => `Praxis n'a pas pu être joint (${why}) ; réessayez plus tard.`,
    unreachable: {
      timeout: () => 'délai dépassé',
      server_error: (status: Status) => `erreur du serveur HTTP ${status}`,
      connection: () => 'connexion impossible',
      rate_limited: () => 'Praxis a demandé de ralentir',
      robots_unreachable: () => 'son fichier robots.txt ne peut pas être lu',
    },
    disallowed:
      "Le fichier robots.txt de Praxis demande aux robots de ne pas lire cette page : le système ne l'a donc pas lue. Ce n'est pas un défaut de votre note ; réessayez plus tard ou écrivez au bailleur.",
    invalid: {
      too_large: () => 'La page dépasse la taille maximale acceptée.',
      not_html: () => "L'adresse ne mène pas à une page HTML de note.",
      unexpected_status: (status: Status) => `Réponse inattendue de Praxis (HTTP ${status}).`,
      too_many_redirects: () => 'Trop de redirections.',
      not_a_note: () => "L'adresse n'est pas celle d'une note Praxis (/n/<identifiant>/).",
    },
    pageUnread: "Non vérifié : la page n'a pas pu être lue.",
    mentionsCode: (code: string) => `La note mentionne le code de référence ${code}.`,
    mentionsFunderRef: (ref: string) => `La note mentionne la référence du bailleur ${ref}.`,
    mentionsNone: (refs: string) => `La note ne mentionne pas la référence de l'entente (${refs}).`,
    dateUnknown: 'Non vérifié : la date de publication est inconnue.',
    beforeStart: (d: string, src: string, start: string) =>
      `Publiée le ${d} (${src}), avant le début de l'entente (${start}).`,
    late: (d: string, src: string, due: string) =>
      `Publiée le ${d} (${src}), après l'échéance du ${due} : acceptée, mais en retard.`,
    inWindow: (d: string, src: string, start: string, due: string) =>
      `Publiée le ${d} (${src}), depuis le début de l'entente (${start}) et avant l'échéance (${due}).`,
    notPublicNotChecked: "Non vérifié : la note n'est pas accessible publiquement.",
  },
  en: {
    source: {
      feed: 'according to the Praxis feed',
      meta: 'according to the page metadata',
      page_line: 'according to the page\'s "Publication" line',
      first_seen: 'the date the system first saw it, as no publication date is given',
    },
    hostAllowed: (praxisHost) => `The URL is on the configured Praxis host (${praxisHost}).`,
    refused: {
      invalid_url: () => 'The address is not a valid URL.',
      scheme: () => 'Only http(s) Praxis addresses are accepted.',
      credentials: () => 'The URL contains credentials (user or password): refused.',
      ip_literal: ({ host, praxisHost }) =>
        `The URL points at an IP address (${host}), not the Praxis host (${praxisHost}): refused without being fetched.`,
      other_host: ({ host, praxisHost }) =>
        `The URL is on ${host}, not on the Praxis host (${praxisHost}): refused without being fetched.`,
      port: ({ praxisHost }) => `The URL targets another port than Praxis (${praxisHost}): refused.`,
      path: () => 'The URL path is ambiguous (it starts with "//" or contains "\\"): refused without being fetched.',
      redirect_other_host: ({ host }) => `The page redirects to another host (${host}); the redirect was not followed.`,
    },
    refusedNotChecked: 'Not checked: the URL was refused.',
    public: 'The note is public: the page answers (HTTP 200) without signing in.',
    notPublic: {
      not_found: (s) => `The note was not found${s}.`,
      gone: (s) => `The note was deleted${s}.`,
      login_required: (s) => `The note requires signing in${s}: it is not public.`,
      private: (s) => `The note is private${s}.`,
    },
    unavailable: (why) => `Praxis could not be reached (${why}); try again later.`,
    unreachable: {
      timeout: () => 'timed out',
      server_error: (status) => `server error HTTP ${status}`,
      connection: () => 'connection failed',
      rate_limited: () => 'Praxis asked us to slow down',
      robots_unreachable: () => 'its robots.txt cannot be read',
    },
    disallowed:
      "Praxis's robots.txt asks robots not to read this page, so the system did not read it. This is not a problem with your note; try again later or write to the funder.",
    invalid: {
      too_large: () => 'The page exceeds the maximum accepted size.',
      not_html: () => 'The URL does not lead to an HTML note page.',
      unexpected_status: (status) => `Unexpected answer from Praxis (HTTP ${status}).`,
      too_many_redirects: () => 'Too many redirects.',
      not_a_note: () => 'The URL is not a Praxis note address (/n/<id>/).',
    },
    pageUnread: 'Not checked: the page could not be read.',
    mentionsCode: (code) => `The note mentions the reference code ${code}.`,
    mentionsFunderRef: (ref) => `The note mentions the funder's reference ${ref}.`,
    mentionsNone: (refs) => `The note does not mention the agreement's reference (${refs}).`,
    dateUnknown: 'Not checked: the publication date is unknown.',
    beforeStart: (d, src, start) => `Published on ${d} (${src}), before the agreement started (${start}).`,
    late: (d, src, due) => `Published on ${d} (${src}), after the due date ${due}: accepted, but late.`,
    inWindow: (d, src, start, due) =>
      `Published on ${d} (${src}), since the agreement started (${start}) and by the due date (${due}).`,
    notPublicNotChecked: 'Not checked: the note is not publicly accessible.',
  },
});
