/**
 * Finding agreement references in a note's text.
 *
 * A reference is found only as a whole token: the words of the text that spell it must start and
 * end on a word boundary ("PX-7K3M-9Q2DX", "XPX-7K3M-9Q2D" or "PX-7K3M-9Q2D-2" do not mention
 * PX-7K3M-9Q2D). Inside the token, case, spaces and dashes do not matter ("PX-7K3M-9Q2D" =
 * "px 7k3m 9q2d" = "PX7K3M9Q2D"), and neither does other punctuation the code itself contains
 * ("FQ/2027/0042"). Accents are folded (é = e) but letters of other scripts stay letters: a Cyrillic
 * "А" neither matches a Latin "A" nor disappears and glues its neighbours together.
 *
 * The system's own reference code is always looked for. The funder's externalRef is looked for only
 * when it has at least MIN_EXTERNAL_REF letters and digits: "A-1" would be found in "la 1re étape".
 *
 * The index answers for thousands of codes in one pass over the text (a map from the first PREFIX
 * characters of each code to its candidates, probed only where a word starts), so matching cost
 * follows the text length, not the number of agreements.
 */
export const MIN_EXTERNAL_REF = 5;
const PREFIX = 4;

const WORD = /[\p{L}\p{N}]+/gu;
const DASH = '\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE58\uFE63\uFF0D';
/** a gap made of dashes only: it joins two words into one token ("9Q2D-2") */
const DASH_JOIN = new RegExp(`^[${DASH}]+$`, 'u');
/** what may separate the words of a code inside a token */
const SOFT = new RegExp(`^[\\s${DASH}]*$`, 'u');

const fold = (s: string): string => s.normalize('NFKD').replace(/\p{M}/gu, '');

/** A text cut into its words (letters and digits), the words upper-cased end to end in `joined`. */
export interface ScannedText {
  readonly text: string;
  readonly joined: string;
  /** where word k starts in `joined` (one more entry: the length of `joined`) */
  readonly at: Int32Array;
  /** where word k starts and ends in `text` */
  readonly start: Int32Array;
  readonly end: Int32Array;
}

export function scanText(raw: string): ScannedText {
  const text = fold(raw);
  const starts: number[] = [],
    ends: number[] = [],
    ats: number[] = [];
  let joined = '';
  for (const m of text.matchAll(WORD)) {
    ats.push(joined.length);
    starts.push(m.index);
    ends.push(m.index + m[0].length);
    joined += m[0].toUpperCase();
  }
  ats.push(joined.length);
  return { text, joined, at: Int32Array.from(ats), start: Int32Array.from(starts), end: Int32Array.from(ends) };
}

export type ReferenceKind = 'referenceCode' | 'externalRef';

/** A code as the matcher looks for it: its letters and digits, and the punctuation it may be written with. */
export interface ReferenceKey {
  key: string;
  /** separators allowed between its words besides spaces and dashes (those the code itself contains) */
  extra: string;
}

/** The key of a code, or null when it cannot be looked for (empty, or an externalRef too short to be told apart). */
export function referenceKey(code: string | null | undefined, kind: ReferenceKind): ReferenceKey | null {
  if (!code) return null;
  const folded = fold(code);
  const key = [...folded.matchAll(WORD)].map((m) => m[0].toUpperCase()).join('');
  if (key.length === 0) return null;
  if (kind === 'externalRef' && [...key].length < MIN_EXTERNAL_REF) return null;
  const extra = [...new Set(folded.replace(WORD, '').replace(new RegExp(`[\\s${DASH}]`, 'gu'), ''))].join('');
  return { key, extra };
}

function softGap(gap: string, extra: string): boolean {
  if (SOFT.test(gap)) return true;
  if (!extra) return false;
  for (const ch of gap) if (!extra.includes(ch) && !SOFT.test(ch)) return false;
  return true;
}

/** Whether `k` is spelled by the words first..(first+n-1) of `s`, forming a whole token there. */
function tokenAt(s: ScannedText, first: number, k: ReferenceKey): boolean {
  const from = s.at[first]!;
  if (!s.joined.startsWith(k.key, from)) return false;
  const to = from + k.key.length;
  let last = first;
  while (s.at[last + 1]! < to) last++;
  if (s.at[last + 1] !== to) return false; // ends inside a word
  for (let w = first; w < last; w++) if (!softGap(s.text.slice(s.end[w]!, s.start[w + 1]!), k.extra)) return false;
  if (first > 0 && DASH_JOIN.test(s.text.slice(s.end[first - 1]!, s.start[first]!))) return false;
  const words = s.start.length;
  if (last + 1 < words && DASH_JOIN.test(s.text.slice(s.end[last]!, s.start[last + 1]!))) return false;
  return true;
}

function occurs(s: ScannedText, k: ReferenceKey): boolean {
  const words = s.start.length;
  for (let w = 0; w < words; w++) if (tokenAt(s, w, k)) return true;
  return false;
}

/** Does `text` mention `code` as a whole token? (the same rule as the index, for a single agreement) */
export function mentions(text: string | ScannedText, code: string | null | undefined, kind: ReferenceKind): boolean {
  const k = referenceKey(code, kind);
  if (!k) return false;
  return occurs(typeof text === 'string' ? scanText(text) : text, k);
}

export interface ReferenceTarget {
  agreementId: string;
  startDate: string;
  code: string;
  kind: ReferenceKind;
}

export class ReferenceIndex {
  private readonly byPrefix = new Map<string, Array<{ key: ReferenceKey; target: ReferenceTarget }>>();
  private readonly short: Array<{ key: ReferenceKey; target: ReferenceTarget }> = [];
  size = 0;

  add(target: ReferenceTarget): void {
    const key = referenceKey(target.code, target.kind);
    // A funder reference too short to be told apart is never looked for (a grantee's note would be
    // matched to it by chance); the agreement's own reference code still is.
    if (!key) return;
    this.size++;
    if (key.key.length < PREFIX) {
      this.short.push({ key, target });
      return;
    }
    const p = key.key.slice(0, PREFIX);
    const list = this.byPrefix.get(p);
    if (list) list.push({ key, target });
    else this.byPrefix.set(p, [{ key, target }]);
  }

  /** Every target whose code appears in `text` as a whole token (each agreement once, referenceCode preferred). */
  find(text: string | ScannedText): ReferenceTarget[] {
    if (this.size === 0) return [];
    const s = typeof text === 'string' ? scanText(text) : text;
    const hits = new Map<string, ReferenceTarget>();
    const put = (t: ReferenceTarget): void => {
      const prev = hits.get(t.agreementId);
      if (!prev || (prev.kind === 'externalRef' && t.kind === 'referenceCode')) hits.set(t.agreementId, t);
    };
    const words = s.start.length;
    for (let w = 0; w < words; w++) {
      const from = s.at[w]!;
      const list = this.byPrefix.get(s.joined.slice(from, from + PREFIX));
      if (list) for (const e of list) if (tokenAt(s, w, e.key)) put(e.target);
    }
    for (const e of this.short) if (occurs(s, e.key)) put(e.target);
    return [...hits.values()];
  }
}
