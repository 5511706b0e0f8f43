/**
 * The one shape of every text a person reads (house rule: French and English, French by default).
 * A service writes its texts once as `catalog({ fr: {...}, en: {...} })`; the French side defines
 * the keys and the parameters, and the type of `en` is derived from it, so a key missing on either
 * side, an extra key, or an English function that expects other parameters does not compile.
 */
import type { Request } from 'express';

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE = 'fr' satisfies Locale;

/** A text a person reads, in both languages (what an AppError carries; the problem handler picks one). */
export type Bilingual = Readonly<Record<Locale, string>>;

export const isLocale = (v: unknown): v is Locale => LOCALES.includes(v as Locale);
/** A stored or received language tag, or French when it is absent or not one the system speaks. */
export const toLocale = (v: unknown): Locale => (isLocale(v) ? v : DEFAULT_LOCALE);

/**
 * The caller's language from Accept-Language (quality values honoured, `en-CA` counts as `en`);
 * French when the header is absent or names neither language. Problems and catalog texts use this
 * one negotiation, so a response never mixes languages.
 */
export function localeOf(req: Pick<Request, 'acceptsLanguages'>): Locale {
  return toLocale(req.acceptsLanguages(...LOCALES));
}

type Fn = (...args: never[]) => string;
/** An entry: a text, a list of texts, a function of typed parameters returning a text, or a group of entries. */
export type Entry = string | readonly string[] | Fn | Entries;
export interface Entries {
  readonly [key: string]: Entry;
}

/**
 * What the English side must look like given the French one: same keys at every level, texts for
 * texts, lists of the same length, and functions taking the French function's parameters.
 */
export type Mirror<T> = T extends string
  ? string
  : T extends readonly string[]
    ? { readonly [I in keyof T]: string }
    : T extends (...args: infer A) => string
      ? (...args: A) => string
      : { readonly [K in keyof T]: Mirror<T[K]> };

/** Top-level keys `t` can render: texts and functions (lists and groups are read from `cat[locale]`). */
export type TextKey<F> = { [K in keyof F]: F[K] extends string | Fn ? K : never }[keyof F];
type Args<E> = E extends (...args: infer A) => string ? A : [];

export interface Catalog<F> {
  readonly fr: Mirror<F>;
  readonly en: Mirror<F>;
  /** The text `key` in `locale`, given the parameters its function takes (none for a plain text). */
  t<K extends TextKey<F>>(locale: Locale, key: K, ...args: Args<F[K]>): string;
  /** The text in both languages, for an AppError or a field error (the problem handler picks one). */
  both<K extends TextKey<F>>(key: K, ...args: Args<F[K]>): Bilingual;
  /** Whether a key that arrived as data (a status code, a kind) has a text of its own. */
  has(key: PropertyKey): key is TextKey<F>;
}

/** Shapes that differ at run time too (a cast, JavaScript): named by their path, at module load. */
function sameShape(fr: unknown, en: unknown, path: string): string[] {
  const kind = (v: unknown): string => (Array.isArray(v) ? `list of ${v.length}` : typeof v);
  if (kind(fr) !== kind(en)) return [`${path || '(root)'}: ${kind(fr)} in fr, ${kind(en)} in en`];
  if (typeof fr !== 'object' || fr === null || Array.isArray(fr)) return [];
  const f = fr as Record<string, unknown>;
  const e = en as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(f), ...Object.keys(e)])];
  return keys.flatMap((k) => {
    const at = path ? `${path}.${k}` : k;
    if (!(k in f)) return [`${at}: missing in fr`];
    if (!(k in e)) return [`${at}: missing in en`];
    return sameShape(f[k], e[k], at);
  });
}

/**
 * Declares a catalog. `fr` is inferred as written; `en` is checked against `Mirror<fr>` (never used
 * to infer, so it cannot widen the French shape). The dictionaries are returned as given, so
 * `cat[locale].someKey` reads them directly (templates, renderers) and `t` renders one key.
 */
export function catalog<F extends Entries>(texts: { fr: F; en: NoInfer<Mirror<F>> }): Catalog<F> {
  const drift = sameShape(texts.fr, texts.en, '');
  if (drift.length > 0) throw new Error(`catalog: fr and en differ (${drift.join('; ')})`);
  const dicts = texts as unknown as Record<Locale, Record<PropertyKey, string | ((...a: unknown[]) => string)>>;
  const render = (locale: Locale, key: PropertyKey, args: unknown[]): string => {
    // A language the types would refuse (data cast into Locale) still reads French, the default.
    const e = (dicts[locale] ?? dicts[DEFAULT_LOCALE])[key];
    return typeof e === 'function' ? e(...args) : (e as string);
  };
  return {
    fr: texts.fr as unknown as Mirror<F>,
    en: texts.en,
    t: (locale, key, ...args) => render(locale, key, args),
    both: (key, ...args) => ({ fr: render('fr', key, args), en: render('en', key, args) }),
    has: (key): key is TextKey<F> =>
      Object.prototype.hasOwnProperty.call(texts.fr, key) && ['string', 'function'].includes(typeof dicts.fr[key]),
  };
}
