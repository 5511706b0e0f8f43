/**
 * What a text field may hold. A NUL byte, a lone UTF-16 surrogate or a control character is never
 * data a person meant to type: PostgreSQL refuses NUL in `text` and `\ud800` in `jsonb` (a 500 if it
 * got that far), a CR/LF in a name splits a CSV line, an email header or a log line, and a bidi
 * override makes a name read differently from what is stored. Every service refuses them at its
 * door (`refuseUnsafeText`, mounted by createHttpApp before the contract validator); the CSV intake
 * applies the same rule to each cell.
 *
 * The rule: single-line fields (names, titles, references, codes, labels, URLs, emails…) hold no C0
 * or C1 control character, no DEL, no line or paragraph separator and no bidi embedding/override/
 * isolate. Free-text fields (`reason`) may also hold line feeds, carriage returns and tabs: a
 * reason can be a paragraph. Nothing is stripped silently — a refused field is named in a 422 so
 * the sender fixes its data once rather than storing something else than it sent.
 */
import type { NextFunction, Request, Response } from 'express';
import { AppError, type FieldError } from './errors';
import type { Bilingual } from './i18n';

export type TextProblemKind = 'malformed' | 'control' | 'line_break' | 'bidi';
export interface TextProblem {
  kind: TextProblemKind;
  /** the offending code unit or code point */
  codePoint: number;
  /** its index in the string (UTF-16 code units, as JavaScript counts) */
  index: number;
}

/** Properties whose text may span lines (the contract's free-text fields). */
export const MULTILINE_FIELDS: ReadonlySet<string> = new Set(['reason']);

const isBidi = (c: number): boolean => (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);

/** The first character this field may not hold, or null when the text is clean. */
export function textProblem(s: string, opts: { multiline?: boolean } = {}): TextProblem | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return { kind: 'malformed', codePoint: c, index: i };
    }
    if (c >= 0xdc00 && c <= 0xdfff) return { kind: 'malformed', codePoint: c, index: i };
    if (c === 0x0a || c === 0x0d || c === 0x09) {
      if (opts.multiline) continue;
      return { kind: c === 0x09 ? 'control' : 'line_break', codePoint: c, index: i };
    }
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) return { kind: 'control', codePoint: c, index: i };
    if (c === 0x2028 || c === 0x2029) return { kind: 'line_break', codePoint: c, index: i };
    if (isBidi(c)) return { kind: 'bidi', codePoint: c, index: i };
  }
  return null;
}

const hex = (c: number): string => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;

/** What is wrong, in both languages, for a person who must fix the value. */
export function textProblemMessage(p: TextProblem): Bilingual {
  const at = p.index + 1;
  switch (p.kind) {
    case 'malformed':
      return {
        fr: `texte Unicode mal formé : demi-paire de substitution isolée ${hex(p.codePoint)} à la position ${at}`,
        en: `malformed Unicode text: lone surrogate ${hex(p.codePoint)} at position ${at}`,
      };
    case 'line_break':
      return {
        fr: `retour à la ligne (${hex(p.codePoint)}) à la position ${at} : ce champ tient sur une seule ligne`,
        en: `line break (${hex(p.codePoint)}) at position ${at}: this field is a single line`,
      };
    case 'bidi':
      return {
        fr: `caractère de contrôle bidirectionnel ${hex(p.codePoint)} à la position ${at} : non permis`,
        en: `bidirectional control character ${hex(p.codePoint)} at position ${at}: not allowed`,
      };
    case 'control':
      return {
        fr: `caractère de contrôle ${hex(p.codePoint)} à la position ${at} : non permis dans ce champ`,
        en: `control character ${hex(p.codePoint)} at position ${at}: not allowed in this field`,
      };
  }
}

const joinPath = (base: string, key: string | number): string =>
  typeof key === 'number' ? `${base}[${key}]` : base ? `${base}.${key}` : key;

/**
 * Every string of a parsed JSON value that breaks the rule, by its path in the contract's style
 * (`grantee.contacts[0].name`). A string's own property name decides single- or multi-line.
 */
export function unsafeTextIn(value: unknown, base = '', field = ''): FieldError[] {
  const out: FieldError[] = [];
  const walk = (v: unknown, path: string, key: string): void => {
    if (typeof v === 'string') {
      const p = textProblem(v, { multiline: MULTILINE_FIELDS.has(key) });
      if (p) {
        const m = textProblemMessage(p);
        out.push({ path, message: m.en, fr: m.fr });
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, joinPath(path, i), key));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, joinPath(path, k), k);
    }
  };
  walk(value, base, field);
  return out;
}

/**
 * Refuses (422, every offending field named) a request whose JSON body, query string or path holds
 * a character `textProblem` refuses. Mounted before the contract validator, so no handler and no
 * database ever sees one.
 */
export function refuseUnsafeText() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const errors: FieldError[] = [];
    let path: string | null = null;
    try {
      path = decodeURIComponent(req.path);
    } catch {
      // a malformed escape: the router answers it; nothing decoded reaches a handler
    }
    if (path !== null) {
      const p = textProblem(path);
      if (p) {
        const m = textProblemMessage(p);
        errors.push({ path: 'path', message: m.en, fr: m.fr });
      }
    }
    for (const [k, v] of Object.entries(req.query ?? {})) errors.push(...unsafeTextIn(v, `query.${k}`, k));
    if (req.body !== undefined && typeof req.body === 'object' && !Buffer.isBuffer(req.body))
      errors.push(...unsafeTextIn(req.body));
    if (errors.length === 0) {
      next();
      return;
    }
    next(
      new AppError(
        'validation_failed',
        {
          fr: 'la requête contient des caractères non permis (caractères de contrôle, retours à la ligne ou texte mal formé)',
          en: 'the request holds characters that are not allowed (control characters, line breaks or malformed text)',
        },
        errors,
      ),
    );
  };
}
