/**
 * Every message a person reads about their input, in French (default) and English (brief: French
 * first). Validation produces codes; the HTTP layer renders them in the caller's language.
 */
export type Locale = 'fr' | 'en';
type Params = Record<string, string | number>;

const catalog = {
  required: { fr: () => 'obligatoire', en: () => 'required' },
  too_long: { fr: (p: Params) => `trop long (au plus ${p.max} caractères)`, en: (p: Params) => `too long (at most ${p.max} characters)` },
  not_a_date: { fr: () => 'date invalide (attendu AAAA-MM-JJ, une date du calendrier)', en: () => 'invalid date (expected YYYY-MM-DD, a calendar date)' },
  end_before_start: { fr: () => 'la date de fin précède la date de début', en: () => 'endDate is before startDate' },
  amount_not_integer: { fr: () => 'le montant doit être un nombre entier de cents', en: () => 'amount must be a whole number of cents' },
  amount_negative: { fr: () => 'le montant ne peut pas être négatif', en: () => 'amount cannot be negative' },
  currency_unsupported: { fr: (p: Params) => `devise non prise en charge : ${p.value} (seul CAD est accepté)`, en: (p: Params) => `unsupported currency: ${p.value} (only CAD is accepted)` },
  neq_format: { fr: () => 'le NEQ doit compter exactement 10 chiffres', en: () => 'NEQ must be exactly 10 digits' },
  email_format: { fr: () => 'adresse courriel invalide', en: () => 'invalid email address' },
  locale_unknown: { fr: () => 'langue inconnue (fr ou en)', en: () => 'unknown language (fr or en)' },
  kind_unknown: { fr: (p: Params) => `type d'exigence inconnu : ${p.value} (learning_note, mid_term_note ou final_note)`, en: (p: Params) => `unknown requirement kind: ${p.value} (learning_note, mid_term_note or final_note)` },
  count_range: { fr: () => 'le nombre doit être un entier de 1 à 20', en: () => 'count must be a whole number from 1 to 20' },
  due_rule: { fr: () => "l'échéance doit être soit {anchor, offset}, soit {date}", en: () => 'due must be either {anchor, offset} or {date}' },
  anchor_unknown: { fr: (p: Params) => `point de départ inconnu : ${p.value} (start, end ou signature)`, en: (p: Params) => `unknown anchor: ${p.value} (start, end or signature)` },
  duration_invalid: { fr: (p: Params) => `durée ISO-8601 invalide : ${p.value} (ex. P90D, P3M, P1Y, P1M15D)`, en: (p: Params) => `invalid ISO-8601 duration: ${p.value} (e.g. P90D, P3M, P1Y, P1M15D)` },
  signature_without_signed_at: { fr: () => "l'ancrage « signature » exige la date de signature (signedAt)", en: () => "anchor 'signature' needs the signature date (signedAt)" },
  programme_unknown: { fr: (p: Params) => `programme inconnu : ${p.value}`, en: (p: Params) => `unknown programme: ${p.value}` },
  csv_disagree: { fr: (p: Params) => `diffère de la ligne ${p.first} pour la même external_ref (${p.value} ≠ ${p.other})`, en: (p: Params) => `differs from row ${p.first} for the same external_ref (${p.value} ≠ ${p.other})` },
  csv_missing_column: { fr: () => 'colonne obligatoire absente de l\u2019en-tête', en: () => 'required column missing from the header' },
  csv_unknown_column: { fr: (p: Params) => `colonne inconnue${p.hint ? ` — vouliez-vous dire ${p.hint} ?` : ''}`, en: (p: Params) => `unknown column${p.hint ? ` — did you mean ${p.hint}?` : ''}` },
  csv_duplicate_column: { fr: () => 'colonne en double dans l\u2019en-tête', en: () => 'duplicate column in the header' },
  csv_field_count: { fr: (p: Params) => `la ligne compte ${p.got} champs au lieu de ${p.expected}`, en: (p: Params) => `the row has ${p.got} fields instead of ${p.expected}` },
  csv_syntax: { fr: (p: Params) => `CSV mal formé : ${p.value}`, en: (p: Params) => `malformed CSV: ${p.value}` },
  csv_partial_due: { fr: () => 'exigence incomplète : requirement_kind et (due_anchor + due_offset) ou due_date', en: () => 'incomplete requirement: requirement_kind and (due_anchor + due_offset) or due_date' },
  conflict_external_ref: { fr: () => 'cette external_ref est déjà enregistrée avec un contenu différent (utilisez PATCH pour la modifier)', en: () => 'this external_ref is already registered with different content (use PATCH to amend it)' },
} satisfies Record<string, Record<Locale, (p: Params) => string>>;

export type MessageCode = keyof typeof catalog;

export function render(code: MessageCode, params: Params = {}, locale: Locale = 'fr'): string {
  return catalog[code][locale](params);
}

/** Titles (problem `detail`) of whole-request errors. */
export const details = {
  invalid_agreement: { fr: "l'entente est invalide", en: 'the agreement is invalid' },
  invalid_csv: { fr: (n: number, shown: number) => `le fichier contient ${n} erreur(s)${n > shown ? ` (les ${shown} premières sont listées)` : ''}; rien n'a été importé`, en: (n: number, shown: number) => `the file has ${n} error(s)${n > shown ? ` (the first ${shown} are listed)` : ''}; nothing was imported` },
  empty_csv: { fr: 'le fichier est vide : il faut une ligne d\u2019en-tête et au moins une ligne de données', en: 'the file is empty: a header row and at least one data row are needed' },
  encoding: {
    fr: (enc: string) => `le fichier est encodé en ${enc}, pas en UTF-8 : enregistrez-le au format « CSV UTF-8 » et réessayez`,
    en: (enc: string) => `the file is encoded as ${enc}, not UTF-8: save it as "CSV UTF-8" and try again`,
  },
  conflict: { fr: 'cette externalRef est déjà enregistrée avec un contenu différent', en: 'this externalRef is already registered with different content' },
  terminated: { fr: "l'entente est résiliée : elle ne peut plus être modifiée", en: 'the agreement is terminated: it can no longer be changed' },
  nothing_to_amend: { fr: 'rien à modifier : indiquez startDate, endDate, contacts ou requirements', en: 'nothing to amend: give startDate, endDate, contacts or requirements' },
  programme_exists: { fr: 'un programme avec ce code existe déjà', en: 'a programme with this code already exists' },
} as const;

/** `Accept-Language: en…` → en; everything else (absent, fr-CA…) → fr. */
export function localeOf(acceptLanguage: string | undefined): Locale {
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'fr';
}
