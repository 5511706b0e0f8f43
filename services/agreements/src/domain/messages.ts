/**
 * Every message a person reads about their input, in French (default) and English. Validation
 * produces codes; the HTTP layer renders them in the caller's language.
 */
import {
  catalog,
  invalid,
  textProblemMessage,
  type AppError,
  type Locale,
  type TextProblemKind,
} from '@pc/service-kit';

type Params = Record<string, string | number>;

/** A text field's forbidden character (the rule and its wording are @pc/service-kit's). */
const unsafeText = (locale: Locale, p: Params): string =>
  textProblemMessage({ kind: p.kind as TextProblemKind, codePoint: Number(p.cp), index: Number(p.at) })[locale];

const feedReasons = {
  fr: {
    not_a_url: "ce n'est pas une URL absolue",
    scheme: 'seuls http et https sont permis',
    scheme_mismatch: 'le protocole doit être celui de Praxis',
    userinfo: "un nom d'utilisateur ou un mot de passe dans l'URL n'est pas permis",
    host: "l'hôte doit être celui de Praxis",
    ip_literal: "une adresse IP n'est pas permise : l'hôte doit être celui de Praxis",
    port: 'seul le port de Praxis est permis',
    path: 'le chemin ne peut commencer par « // » ni contenir « \\ »',
  },
  en: {
    not_a_url: 'not an absolute URL',
    scheme: 'only http and https are allowed',
    scheme_mismatch: 'the scheme must be the Praxis one',
    userinfo: 'a user name or password in the URL is not allowed',
    host: 'the host must be the Praxis host',
    ip_literal: 'an IP address is not allowed: the host must be the Praxis host',
    port: 'only the Praxis port is allowed',
    path: 'the path may not start with "//" nor hold "\\"',
  },
} as const;
const feedText = (locale: Locale, p: Params): string =>
  `${feedReasons[locale][p.reason as keyof (typeof feedReasons)['fr']] ?? String(p.reason)} (${p.expected})`;

/** What is wrong with one field or one CSV cell (an Issue's code and params). */
export const issueMessages = catalog({
  fr: {
    required: 'obligatoire',
    too_long: (p: Params) => `trop long (au plus ${p.max} caractères)`,
    not_a_date: 'date invalide (attendu AAAA-MM-JJ, une date du calendrier)',
    end_before_start: 'la date de fin précède la date de début',
    amount_not_integer: 'le montant doit être un nombre entier de cents',
    amount_negative: 'le montant ne peut pas être négatif',
    currency_unsupported: (p: Params) => `devise non prise en charge : ${p.value} (seul CAD est accepté)`,
    neq_format: 'le NEQ doit compter exactement 10 chiffres',
    email_format: 'adresse courriel invalide',
    locale_unknown: 'langue inconnue (fr ou en)',
    kind_unknown: (p: Params) => `type d'exigence inconnu : ${p.value} (learning_note, mid_term_note ou final_note)`,
    count_range: 'le nombre doit être un entier de 1 à 20',
    due_rule: "l'échéance doit être soit {anchor, offset}, soit {date}",
    anchor_unknown: (p: Params) => `point de départ inconnu : ${p.value} (start, end ou signature)`,
    duration_invalid: (p: Params) => `durée ISO-8601 invalide : ${p.value} (ex. P90D, P3M, P1Y, P1M15D)`,
    signature_without_signed_at: "l'ancrage « signature » exige la date de signature (signedAt)",
    programme_unknown: (p: Params) => `programme inconnu : ${p.value}`,
    csv_disagree: (p: Params) => `diffère de la ligne ${p.first} pour la même external_ref (${p.value} ≠ ${p.other})`,
    csv_missing_column: 'colonne obligatoire absente de l\u2019en-tête',
    csv_unknown_column: (p: Params) => `colonne inconnue${p.hint ? ` — vouliez-vous dire ${p.hint} ?` : ''}`,
    csv_duplicate_column: (p: Params) => `colonne en double dans l\u2019en-tête (même colonne que ${p.other})`,
    csv_field_count: (p: Params) => `la ligne compte ${p.got} champs au lieu de ${p.expected}`,
    csv_syntax: (p: Params) => `CSV mal formé : ${p.value}`,
    csv_date_invalid: (p: Params) =>
      `date invalide : « ${p.value} » (attendu AAAA-MM-JJ ou JJ/MM/AAAA, une date du calendrier)`,
    csv_date_two_digit_year: (p: Params) =>
      `année à deux chiffres dans « ${p.value} » : écrivez l\u2019année en entier (JJ/MM/AAAA ou AAAA-MM-JJ)`,
    csv_date_month_first: (p: Params) =>
      `« ${p.value} » semble écrite le mois d\u2019abord : les dates se lisent le jour d\u2019abord (JJ/MM/AAAA) ou AAAA-MM-JJ`,
    csv_amount_invalid: (p: Params) =>
      `montant illisible : « ${p.value} » (ex. 25 000,00 $, 25 000 $, 25,000.00 ou 25000.00)`,
    csv_amount_ambiguous: (p: Params) =>
      `montant ambigu : « ${p.value} » peut se lire en milliers ou en décimales; écrivez par ex. 25 000,00 $ ou 25,000.00`,
    csv_amount_fraction: (p: Params) => `montant « ${p.value} » : au plus deux décimales (des cents)`,
    csv_amount_disagree: (p: Params) =>
      `le montant « ${p.value} » (${p.cents} cents) diffère de ${p.column} (${p.other})`,
    csv_partial_due: 'exigence incomplète : requirement_kind et (due_anchor + due_offset) ou due_date',
    conflict_external_ref:
      'cette external_ref est déjà enregistrée avec un contenu différent (utilisez PATCH pour la modifier)',
    too_many_contacts: (p: Params) => `trop de personnes-ressources : ${p.got} (au plus ${p.max} par entente)`,
    too_many_requirements: (p: Params) => `trop d'exigences : ${p.got} (au plus ${p.max} par entente)`,
    text_unsafe: (p: Params) => unsafeText('fr', p),
    reference_charset: (p: Params) =>
      `caractère « ${p.char} » (${p.cp}) non permis dans une référence : lettres et chiffres latins, ponctuation ASCII et lettres accentuées du français seulement (un caractère cyrillique ou grec peut imiter une lettre latine)`,
    duration_too_long: (p: Params) => `durée trop longue : ${p.value} (au plus 100 ans)`,
    due_too_late: (p: Params) => `l'échéance calculée (${p.value}) tombe après le ${p.max}`,
    feed_url: (p: Params) => `URL de fil refusée : ${feedText('fr', p)}`,
  },
  en: {
    required: 'required',
    too_long: (p) => `too long (at most ${p.max} characters)`,
    not_a_date: 'invalid date (expected YYYY-MM-DD, a calendar date)',
    end_before_start: 'endDate is before startDate',
    amount_not_integer: 'amount must be a whole number of cents',
    amount_negative: 'amount cannot be negative',
    currency_unsupported: (p) => `unsupported currency: ${p.value} (only CAD is accepted)`,
    neq_format: 'NEQ must be exactly 10 digits',
    email_format: 'invalid email address',
    locale_unknown: 'unknown language (fr or en)',
    kind_unknown: (p) => `unknown requirement kind: ${p.value} (learning_note, mid_term_note or final_note)`,
    count_range: 'count must be a whole number from 1 to 20',
    due_rule: 'due must be either {anchor, offset} or {date}',
    anchor_unknown: (p) => `unknown anchor: ${p.value} (start, end or signature)`,
    duration_invalid: (p) => `invalid ISO-8601 duration: ${p.value} (e.g. P90D, P3M, P1Y, P1M15D)`,
    signature_without_signed_at: "anchor 'signature' needs the signature date (signedAt)",
    programme_unknown: (p) => `unknown programme: ${p.value}`,
    csv_disagree: (p) => `differs from row ${p.first} for the same external_ref (${p.value} ≠ ${p.other})`,
    csv_missing_column: 'required column missing from the header',
    csv_unknown_column: (p) => `unknown column${p.hint ? ` — did you mean ${p.hint}?` : ''}`,
    csv_duplicate_column: (p) => `duplicate column in the header (the same column as ${p.other})`,
    csv_field_count: (p) => `the row has ${p.got} fields instead of ${p.expected}`,
    csv_syntax: (p) => `malformed CSV: ${p.value}`,
    csv_date_invalid: (p) => `invalid date: "${p.value}" (expected YYYY-MM-DD or DD/MM/YYYY, a calendar date)`,
    csv_date_two_digit_year: (p) => `two-digit year in "${p.value}": write the year in full (DD/MM/YYYY or YYYY-MM-DD)`,
    csv_date_month_first: (p) =>
      `"${p.value}" looks written month first: dates are read day first (DD/MM/YYYY) or YYYY-MM-DD`,
    csv_amount_invalid: (p) => `unreadable amount: "${p.value}" (e.g. 25 000,00 $, 25 000 $, 25,000.00 or 25000.00)`,
    csv_amount_ambiguous: (p) =>
      `ambiguous amount: "${p.value}" reads as thousands or as decimals; write e.g. 25,000.00 or 25 000,00 $`,
    csv_amount_fraction: (p) => `amount "${p.value}": at most two decimals (cents)`,
    csv_amount_disagree: (p) => `the amount "${p.value}" (${p.cents} cents) differs from ${p.column} (${p.other})`,
    csv_partial_due: 'incomplete requirement: requirement_kind and (due_anchor + due_offset) or due_date',
    conflict_external_ref: 'this external_ref is already registered with different content (use PATCH to amend it)',
    too_many_contacts: (p) => `too many contacts: ${p.got} (at most ${p.max} per agreement)`,
    too_many_requirements: (p) => `too many requirements: ${p.got} (at most ${p.max} per agreement)`,
    text_unsafe: (p) => unsafeText('en', p),
    reference_charset: (p) =>
      `character "${p.char}" (${p.cp}) is not allowed in a reference: Latin letters and digits, ASCII punctuation and French accented letters only (a Cyrillic or Greek character can pass for a Latin letter)`,
    duration_too_long: (p) => `duration too long: ${p.value} (at most 100 years)`,
    due_too_late: (p) => `the derived due date (${p.value}) falls after ${p.max}`,
    feed_url: (p) => `feed URL refused: ${feedText('en', p)}`,
  },
});

export type MessageCode = keyof typeof issueMessages.fr;

/** One issue in the caller's language. */
export const issueText = (locale: Locale, issue: { code: MessageCode; params?: Params }): string =>
  issueMessages.t(locale, issue.code, issue.params ?? {});

/** Issues found in a request body as one 422 naming every field, in the caller's language. */
export function issuesToError(
  issues: Array<{ path: string; code: MessageCode; params?: Params }>,
  locale: Locale,
  detail: string,
): AppError {
  return invalid(
    issues.map((i) => ({ path: i.path, message: issueText(locale, i) })),
    detail,
  );
}

/** Titles (problem `detail`) of whole-request errors, and the texts of errors that have no code. */
export const details = catalog({
  fr: {
    invalid_agreement: "l'entente est invalide",
    invalid_programme: 'le programme est invalide',
    invalid_csv: (n: number, shown: number) =>
      `le fichier contient ${n} erreur(s)${n > shown ? ` (les ${shown} premières sont listées)` : ''}; rien n'a été importé`,
    empty_csv: 'le fichier est vide : il faut une ligne d\u2019en-tête et au moins une ligne de données',
    encoding: (enc: string) =>
      `le fichier est encodé en ${enc}, que l\u2019import ne lit pas : enregistrez-le au format « CSV UTF-8 » ou « CSV (séparateur : point-virgule) » et réessayez`,
    encoding_byte: (byte: string, line: number) =>
      `l\u2019octet ${byte} (ligne ${line} du fichier) n\u2019est ni du UTF-8 ni du Windows-1252 : enregistrez le fichier au format « CSV UTF-8 » et réessayez`,
    encoding_mixed: (line: number) =>
      `le fichier mêle deux encodages : du texte UTF-8, puis à la ligne ${line} du fichier un octet qui n\u2019en est pas; lu d\u2019une seule façon, une partie des accents serait altérée. Enregistrez-le de nouveau au format « CSV UTF-8 »`,
    conflict: 'cette externalRef est déjà enregistrée avec un contenu différent',
    terminated: "l'entente est résiliée : elle ne peut plus être modifiée",
    nothing_to_amend: 'rien à modifier : indiquez startDate, endDate, contacts ou requirements',
    programme_exists: 'un programme avec ce code existe déjà',
    unknown_cursor: 'curseur inconnu',
    invalid_link: 'le lien entre organismes est refusé',
    link_unknown_target: "l'organisme cible n'existe pas",
    link_self: 'un organisme ne peut être lié à lui-même',
    link_neq: 'les deux organismes doivent avoir le même NEQ',
    linked_reason: "organisme lié par un administrateur à celui d'un autre bailleur de fonds (même NEQ)",
  },
  en: {
    invalid_agreement: 'the agreement is invalid',
    invalid_programme: 'the programme is invalid',
    invalid_csv: (n, shown) =>
      `the file has ${n} error(s)${n > shown ? ` (the first ${shown} are listed)` : ''}; nothing was imported`,
    empty_csv: 'the file is empty: a header row and at least one data row are needed',
    encoding: (enc) =>
      `the file is encoded as ${enc}, which the import does not read: save it as "CSV UTF-8" or "CSV (semicolon delimited)" and try again`,
    encoding_byte: (byte, line) =>
      `byte ${byte} (line ${line} of the file) is neither UTF-8 nor Windows-1252: save the file as "CSV UTF-8" and try again`,
    encoding_mixed: (line) =>
      `the file mixes two encodings: UTF-8 text, then on line ${line} of the file a byte that is not UTF-8; read either way, some accents would be garbled. Save it again as "CSV UTF-8"`,
    conflict: 'this externalRef is already registered with different content',
    terminated: 'the agreement is terminated: it can no longer be changed',
    nothing_to_amend: 'nothing to amend: give startDate, endDate, contacts or requirements',
    programme_exists: 'a programme with this code already exists',
    unknown_cursor: 'unknown cursor',
    invalid_link: 'the link between grantees is refused',
    link_unknown_target: 'the target grantee does not exist',
    link_self: 'a grantee cannot be linked to itself',
    link_neq: 'both grantees must have the same NEQ',
    linked_reason: "grantee linked by an admin to another funder's (same NEQ)",
  },
});
