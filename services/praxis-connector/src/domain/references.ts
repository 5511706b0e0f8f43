/**
 * Finding agreement references in a note's text. A reference matches case-insensitively and
 * whatever spaces or dashes the grantee put in it ("PX-7K3M-9Q2D" = "px 7k3m 9q2d" = "PX7K3M9Q2D"):
 * both the text and the codes are reduced to their letters and digits.
 *
 * The index answers for thousands of codes in one pass over the text (a map from the first
 * PREFIX characters of each code to its candidates), so matching cost follows the text length,
 * not the number of agreements.
 */
export const compact = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');

const PREFIX = 4;

export interface ReferenceTarget {
  agreementId: string;
  startDate: string;
  code: string;
  kind: 'referenceCode' | 'externalRef';
}

export class ReferenceIndex {
  private readonly byPrefix = new Map<string, Array<{ key: string; target: ReferenceTarget }>>();
  private readonly short: Array<{ key: string; target: ReferenceTarget }> = [];
  size = 0;

  add(target: ReferenceTarget): void {
    const key = compact(target.code);
    // A very short funder reference ("42") would match half the corpus: discovery ignores it
    // (a grantee can still declare the note; the declared check compares the one agreement only).
    if (key.length === 0 || (target.kind === 'externalRef' && key.length < 5)) return;
    this.size++;
    if (key.length < PREFIX) {
      this.short.push({ key, target });
      return;
    }
    const p = key.slice(0, PREFIX);
    const list = this.byPrefix.get(p);
    if (list) list.push({ key, target });
    else this.byPrefix.set(p, [{ key, target }]);
  }

  /** Every target whose code appears in `text` (each agreement once, referenceCode preferred). */
  find(text: string): ReferenceTarget[] {
    const c = compact(text);
    const hits = new Map<string, ReferenceTarget>();
    const put = (t: ReferenceTarget): void => {
      const prev = hits.get(t.agreementId);
      if (!prev || (prev.kind === 'externalRef' && t.kind === 'referenceCode')) hits.set(t.agreementId, t);
    };
    for (let i = 0; i + PREFIX <= c.length; i++) {
      const list = this.byPrefix.get(c.slice(i, i + PREFIX));
      if (!list) continue;
      for (const e of list) if (c.startsWith(e.key, i)) put(e.target);
    }
    for (const e of this.short) if (c.includes(e.key)) put(e.target);
    return [...hits.values()];
  }
}

/** `mentions` over text already passed through `compact` (re-verification checks several agreements per page). */
export function mentionsCompact(compactText: string, code: string | null | undefined): boolean {
  if (!code) return false;
  const k = compact(code);
  return k.length > 0 && compactText.includes(k);
}

/** Does `text` mention `code`? (same normalisation as the index, for a single agreement) */
export function mentions(text: string, code: string | null | undefined): boolean {
  if (!code) return false;
  const k = compact(code);
  return k.length > 0 && compact(text).includes(k);
}
