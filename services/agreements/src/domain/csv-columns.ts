/**
 * The CSV import's columns and the header names that stand for them (pure). A file's header may use
 * the English snake_case names of the API or the French names an officer in Québec writes, with or
 * without accents, in any case, with spaces, hyphens or underscores: `Date de fin`, `date_fin` and
 * `DATE-FIN` are one column.
 */

/** Columns that describe the agreement: every row of one external_ref must agree on them. */
export const AGREEMENT_COLUMNS = [
  'programme_code',
  'title',
  'amount_cents',
  'amount_dollars',
  'currency',
  'start_date',
  'end_date',
  'signed_at',
  'grantee_name',
  'grantee_neq',
] as const;

/** The file's columns: the key, the agreement's columns, then one contact and one requirement a row. */
export const CSV_COLUMNS = [
  'external_ref',
  ...AGREEMENT_COLUMNS,
  'contact_name',
  'contact_email',
  'contact_locale',
  'requirement_kind',
  'requirement_count',
  'due_anchor',
  'due_offset',
  'due_date',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** A file's columns with the amount in cents (what a system writes); the template proposes dollars instead. */
export const CENTS_COLUMNS: readonly CsvColumn[] = CSV_COLUMNS.filter((c) => c !== 'amount_dollars');

export const REQUIRED_COLUMNS: readonly CsvColumn[] = [
  'external_ref',
  'programme_code',
  'title',
  'start_date',
  'end_date',
  'grantee_name',
];

/** Columns holding a calendar date: `AAAA-MM-JJ` or `JJ/MM/AAAA`. */
export const DATE_COLUMNS: readonly CsvColumn[] = ['start_date', 'end_date', 'signed_at', 'due_date'];

/**
 * The French name of each column, as the French template writes it and as errors name a column
 * missing from a French header.
 */
export const FRENCH_HEADERS: Readonly<Record<CsvColumn, string>> = {
  external_ref: 'référence_externe',
  programme_code: 'code_programme',
  title: 'titre',
  amount_cents: 'montant_cents',
  amount_dollars: 'montant',
  currency: 'devise',
  start_date: 'date_début',
  end_date: 'date_fin',
  signed_at: 'date_signature',
  grantee_name: 'nom_organisme',
  grantee_neq: 'neq',
  contact_name: 'nom_personne_ressource',
  contact_email: 'courriel_personne_ressource',
  contact_locale: 'langue_personne_ressource',
  requirement_kind: 'type_exigence',
  requirement_count: 'nombre',
  due_anchor: 'point_de_départ',
  due_offset: 'délai',
  due_date: 'date_échéance',
};

/**
 * Other French names a header may use, written in their normalised form (see normaliseHeader).
 * Short words a person adds or drops (`date de fin`, `nom de l'organisme`) are dropped by the
 * normalisation, so each entry covers those variants.
 */
const OTHER_FRENCH_NAMES: Readonly<Record<CsvColumn, readonly string[]>> = {
  external_ref: [
    'ref_externe',
    'reference',
    'no_reference',
    'numero_reference',
    'reference_entente',
    'no_entente',
    'numero_entente',
  ],
  programme_code: ['programme', 'code_programme_subvention'],
  title: ['titre_projet', 'titre_entente', 'nom_projet'],
  amount_cents: [],
  amount_dollars: ['montant_dollars', 'montant_subvention', 'montant_accorde'],
  currency: ['monnaie'],
  start_date: ['debut', 'date_debut_projet'],
  end_date: ['fin', 'date_fin_projet'],
  signed_at: ['signature', 'signee', 'date_signature_entente'],
  grantee_name: [
    'organisme',
    'beneficiaire',
    'nom_beneficiaire',
    'organisme_beneficiaire',
    'nom_organisme_beneficiaire',
  ],
  grantee_neq: ['neq_organisme', 'numero_entreprise_quebec'],
  contact_name: ['nom_contact', 'personne_ressource', 'contact'],
  contact_email: ['courriel', 'courriel_contact', 'adresse_courriel'],
  contact_locale: ['langue', 'langue_contact', 'langue_correspondance'],
  requirement_kind: ['exigence', 'type_livrable', 'livrable'],
  requirement_count: ['nombre_exigences', 'nombre_exigence', 'nb', 'nombre_livrables'],
  due_anchor: ['ancrage', 'ancrage_echeance', 'point_depart_echeance'],
  due_offset: ['decalage', 'delai_echeance'],
  due_date: ['echeance', 'date_limite'],
};

/** English names other than the snake_case column names. */
const OTHER_ENGLISH_NAMES: Readonly<Partial<Record<CsvColumn, readonly string[]>>> = {
  amount_dollars: ['amount'],
  programme_code: ['program_code'],
  contact_email: ['email'],
};

/** Words dropped from a header: `date de fin` is `date_fin`, `nom de l'organisme` is `nom_organisme`. */
const FILLER_WORDS = new Set(['de', 'du', 'des', 'la', 'le', 'les', 'l', 'd', 'en', 'a', 'au', 'aux']);

/**
 * A header cell as compared: lower case, accents and symbols dropped (`Montant ($)` is `montant`),
 * words joined by `_`, filler words dropped.
 */
export function normaliseHeader(cell: string): string {
  return cell
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '' && !FILLER_WORDS.has(w))
    .join('_');
}

export interface HeaderName {
  column: CsvColumn;
  /** one of the French names (what names an absent column in errors: the language most of the header uses) */
  french: boolean;
}

/** Every accepted name, normalised → its column. */
const NAMES: ReadonlyMap<string, HeaderName> = (() => {
  const m = new Map<string, HeaderName>();
  const add = (n: string, name: HeaderName): void => {
    const taken = m.get(n);
    // One name, one column: a name given to two columns would silently read one as the other.
    if (taken && taken.column !== name.column)
      throw new Error(`CSV header name ${n} given to ${taken.column} and ${name.column}`);
    m.set(n, name);
  };
  for (const c of CSV_COLUMNS) {
    add(normaliseHeader(FRENCH_HEADERS[c]), { column: c, french: true });
    for (const n of OTHER_FRENCH_NAMES[c]) add(n, { column: c, french: true });
  }
  for (const c of CSV_COLUMNS) {
    add(normaliseHeader(c), { column: c, french: false });
    for (const n of OTHER_ENGLISH_NAMES[c] ?? []) add(n, { column: c, french: false });
  }
  return m;
})();

/** The column a header cell names, or null. */
export function columnOfHeader(cell: string): HeaderName | null {
  return NAMES.get(normaliseHeader(cell)) ?? null;
}

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/**
 * The name an unknown header cell probably meant, among the columns the header lacks: the English
 * name or the French one, in the language of the nearest match; '' when nothing is close.
 */
export function headerHint(cell: string, missing: ReadonlySet<CsvColumn>): string {
  const n = normaliseHeader(cell);
  if (n === '') return '';
  let best: { name: HeaderName; d: number } | null = null;
  for (const [key, name] of NAMES) {
    if (!missing.has(name.column)) continue;
    const d = levenshtein(n, key);
    if (!best || d < best.d) best = { name, d };
  }
  // Up to three edits, fewer on short names: `note` is not a misspelt `nb`.
  if (!best || best.d > Math.min(3, Math.max(1, Math.floor(n.length / 3)))) return '';
  return best.name.french ? FRENCH_HEADERS[best.name.column] : best.name.column;
}
