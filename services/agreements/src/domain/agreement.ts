/**
 * Agreement intake rules (pure): the normalised draft of an agreement, the business validation
 * shared by the JSON route and the CSV import, and the content hash that recognises replays.
 */
import crypto from 'node:crypto';
import { DEFAULT_LOCALE, isLocale, textProblem, type Locale } from '@pc/service-kit';
import { durationTooLong, isCalendarDate, parseDuration } from './calendar';
import type { MessageCode } from './messages';

export const OBLIGATION_KINDS = ['learning_note', 'mid_term_note', 'final_note'] as const;
export type ObligationKind = (typeof OBLIGATION_KINDS)[number];
export const ANCHORS = ['start', 'end', 'signature'] as const;
export type Anchor = (typeof ANCHORS)[number];

export type DueRule = { anchor: Anchor; offset: string } | { date: string };
export interface RequirementSpec {
  kind: ObligationKind;
  count: number;
  due: DueRule;
}
export interface Contact {
  name: string;
  email: string;
  locale: Locale;
}

/** An agreement as submitted, after defaults (count 1, locale fr) — what the content hash covers. */
export interface AgreementDraft {
  externalRef: string;
  programmeCode: string;
  title: string;
  amount: { value: number; currency: string } | null;
  startDate: string;
  endDate: string;
  signedAt: string | null;
  grantee: { name: string; neq: string | null };
  contacts: Contact[];
  /** null: none given, the programme's default requirements apply */
  requirements: RequirementSpec[] | null;
}

/** One problem with the input; `path` uses the contract's style (`requirements[0].due.offset`). */
export interface Issue {
  path: string;
  code: MessageCode;
  params?: Record<string, string | number>;
}

/** Default when a programme defines none, as the public API promises: one learning note 90 days after the end. */
export const DEFAULT_REQUIREMENTS: RequirementSpec[] = [
  { kind: 'learning_note', count: 1, due: { anchor: 'end', offset: 'P90D' } },
];

/**
 * The contract's limits on an agreement (contracts/openapi.yaml, AgreementInput and Contact). The
 * JSON route has them checked by the contract validator first; the CSV import has only this file,
 * so both entries enforce them here, and a test holds these numbers equal to the contract's.
 */
export const LIMITS = {
  externalRef: 100,
  programmeCode: 40,
  title: 500,
  granteeName: 300,
  contactName: 300,
  email: 254,
  contacts: 20,
  requirements: 20,
  count: { min: 1, max: 20 },
} as const;

const EMAIL = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;
const isStr = (v: unknown): v is string => typeof v === 'string';

/**
 * The characters an externalRef may hold once NFKC-normalised: printable ASCII and the letters of
 * French (Latin-1 letters, Œ, œ). NFKC folds compatibility forms onto their ASCII letter (full-width
 * `ＡＢ-1` is `AB-1`, the ligature `ﬁ` is `fi`); what is left outside this set are letters of other
 * scripts, among them the Cyrillic and Greek look-alikes of Latin letters (`АВ-1` is not `AB-1`),
 * which would register as a distinct reference and read as the same one in a Praxis note.
 */
const REFERENCE_CHARS = /^[\x20-\x7e\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0152\u0153]*$/;

/** The issue of a single-line text field holding a control character, a line break or malformed Unicode. */
export function textIssue(path: string, v: string): Issue | null {
  const p = textProblem(v);
  return p ? { path, code: 'text_unsafe', params: { kind: p.kind, cp: p.codePoint, at: p.index } } : null;
}

/**
 * An externalRef as the system compares and stores it (NFKC), with the issue when it holds a
 * character outside REFERENCE_CHARS.
 */
export function readReference(path: string, v: string): { value: string; issue: Issue | null } {
  const value = v.normalize('NFKC');
  if (REFERENCE_CHARS.test(value)) return { value, issue: null };
  const bad = [...value].find((ch) => !REFERENCE_CHARS.test(ch)) ?? '';
  const cp = bad.codePointAt(0) ?? 0;
  return {
    value,
    issue: {
      path,
      code: 'reference_charset',
      params: { char: bad, cp: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` },
    },
  };
}

/**
 * Reads an agreement from untrusted JSON-like input into a draft, collecting every issue (the
 * contract validator catches most of them for JSON first; the CSV import relies on this alone).
 */
export function readAgreement(input: Record<string, unknown>): { draft: AgreementDraft; issues: Issue[] } {
  const issues: Issue[] = [];
  const text = (path: string, v: unknown, max: number, required = true): string => {
    if (v === undefined || v === null || (isStr(v) && v.trim() === '')) {
      if (required) issues.push({ path, code: 'required' });
      return '';
    }
    if (!isStr(v)) {
      issues.push({ path, code: 'required' });
      return '';
    }
    if (v.length > max) issues.push({ path, code: 'too_long', params: { max } });
    const unsafe = textIssue(path, v);
    if (unsafe) issues.push(unsafe);
    return v;
  };
  const date = (path: string, v: unknown, required = true): string | null => {
    if (v === undefined || v === null || v === '') {
      if (required) issues.push({ path, code: 'required' });
      return null;
    }
    if (!isStr(v) || !isCalendarDate(v)) {
      issues.push({ path, code: 'not_a_date' });
      return null;
    }
    return v;
  };

  let externalRef = text('externalRef', input.externalRef, LIMITS.externalRef);
  if (externalRef) {
    const ref = readReference('externalRef', externalRef);
    externalRef = ref.value;
    if (ref.issue && !issues.some((i) => i.path === 'externalRef')) issues.push(ref.issue);
  }
  const programmeCode = text('programmeCode', input.programmeCode, LIMITS.programmeCode);
  const title = text('title', input.title, LIMITS.title);

  let amount: AgreementDraft['amount'] = null;
  const a = input.amount as { value?: unknown; currency?: unknown } | undefined | null;
  if (a !== undefined && a !== null) {
    const value = a.value;
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      issues.push({ path: 'amount.value', code: 'amount_not_integer' });
    else if (value < 0) issues.push({ path: 'amount.value', code: 'amount_negative' });
    const currency = isStr(a.currency) ? a.currency : '';
    if (currency !== 'CAD')
      issues.push({
        path: 'amount.currency',
        code: currency ? 'currency_unsupported' : 'required',
        params: { value: currency },
      });
    amount = { value: typeof value === 'number' ? value : 0, currency };
  }

  const startDate = date('startDate', input.startDate);
  const endDate = date('endDate', input.endDate);
  const signedAt = date('signedAt', input.signedAt, false);
  if (startDate && endDate && endDate < startDate) issues.push({ path: 'endDate', code: 'end_before_start' });

  const g = (input.grantee ?? {}) as { name?: unknown; neq?: unknown; contacts?: unknown };
  const granteeName = text('grantee.name', g.name, LIMITS.granteeName);
  let neq: string | null = null;
  if (g.neq !== undefined && g.neq !== null && g.neq !== '') {
    if (!isStr(g.neq) || !/^\d{10}$/.test(g.neq)) issues.push({ path: 'grantee.neq', code: 'neq_format' });
    else neq = g.neq;
  }
  const contacts = readContacts(g.contacts, 'grantee.contacts', issues);
  const requirements =
    input.requirements === undefined || input.requirements === null
      ? null
      : readRequirements(input.requirements, 'requirements', signedAt, issues);

  return {
    draft: {
      externalRef,
      programmeCode,
      title,
      amount,
      startDate: startDate ?? '',
      endDate: endDate ?? '',
      signedAt,
      grantee: { name: granteeName, neq },
      contacts,
      requirements,
    },
    issues,
  };
}

export function readContacts(v: unknown, base: string, issues: Issue[]): Contact[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    issues.push({ path: base, code: 'required' });
    return [];
  }
  if (v.length > LIMITS.contacts)
    issues.push({
      path: `${base}[${LIMITS.contacts}]`,
      code: 'too_many_contacts',
      params: { max: LIMITS.contacts, got: v.length },
    });
  return v.map((c: { name?: unknown; email?: unknown; locale?: unknown }, i) => {
    const name = isStr(c?.name) ? c.name.trim() : '';
    if (!name) issues.push({ path: `${base}[${i}].name`, code: 'required' });
    else if (name.length > LIMITS.contactName)
      issues.push({ path: `${base}[${i}].name`, code: 'too_long', params: { max: LIMITS.contactName } });
    const unsafeName = textIssue(`${base}[${i}].name`, name);
    if (unsafeName) issues.push(unsafeName);
    const email = isStr(c?.email) ? c.email.trim() : '';
    const unsafeEmail = textIssue(`${base}[${i}].email`, email);
    if (!email) issues.push({ path: `${base}[${i}].email`, code: 'required' });
    else if (unsafeEmail) issues.push(unsafeEmail);
    else if (!EMAIL.test(email) || email.length > LIMITS.email)
      issues.push({ path: `${base}[${i}].email`, code: 'email_format' });
    let locale: Locale = DEFAULT_LOCALE;
    if (c?.locale !== undefined && c.locale !== null && c.locale !== '') {
      if (isLocale(c.locale)) locale = c.locale;
      else issues.push({ path: `${base}[${i}].locale`, code: 'locale_unknown' });
    }
    return { name, email, locale };
  });
}

export function readRequirements(
  v: unknown,
  base: string,
  signedAt: string | null,
  issues: Issue[],
): RequirementSpec[] {
  if (!Array.isArray(v) || v.length === 0) {
    issues.push({ path: base, code: 'required' });
    return [];
  }
  if (v.length > LIMITS.requirements)
    issues.push({
      path: `${base}[${LIMITS.requirements}]`,
      code: 'too_many_requirements',
      params: { max: LIMITS.requirements, got: v.length },
    });
  return v.map((r: { kind?: unknown; count?: unknown; due?: unknown }, i) => {
    const p = `${base}[${i}]`;
    const kind = r?.kind;
    if (!isStr(kind) || !(OBLIGATION_KINDS as readonly string[]).includes(kind))
      issues.push({
        path: `${p}.kind`,
        code: kind ? 'kind_unknown' : 'required',
        params: { value: String(kind ?? '') },
      });
    const count = r?.count === undefined || r?.count === null ? 1 : r.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < LIMITS.count.min || count > LIMITS.count.max)
      issues.push({ path: `${p}.count`, code: 'count_range' });
    const due = readDue(r?.due, `${p}.due`, signedAt, issues);
    return { kind: kind as ObligationKind, count: count as number, due };
  });
}

function readDue(v: unknown, p: string, signedAt: string | null, issues: Issue[]): DueRule {
  const d = (v ?? {}) as { anchor?: unknown; offset?: unknown; date?: unknown };
  const hasDate = d.date !== undefined && d.date !== null && d.date !== '';
  const hasAnchor =
    (d.anchor !== undefined && d.anchor !== null && d.anchor !== '') ||
    (d.offset !== undefined && d.offset !== null && d.offset !== '');
  if (hasDate === hasAnchor) {
    issues.push({ path: p, code: 'due_rule' });
    return { date: '' };
  }
  if (hasDate) {
    if (!isStr(d.date) || !isCalendarDate(d.date)) issues.push({ path: `${p}.date`, code: 'not_a_date' });
    return { date: String(d.date) };
  }
  const anchor = d.anchor;
  if (!isStr(anchor) || !(ANCHORS as readonly string[]).includes(anchor))
    issues.push({
      path: `${p}.anchor`,
      code: anchor ? 'anchor_unknown' : 'required',
      params: { value: String(anchor ?? '') },
    });
  else if (anchor === 'signature' && !signedAt)
    issues.push({ path: `${p}.anchor`, code: 'signature_without_signed_at' });
  const offset = d.offset;
  if (!isStr(offset) || offset === '') issues.push({ path: `${p}.offset`, code: 'required' });
  else {
    const dur = parseDuration(offset);
    if (!dur) issues.push({ path: `${p}.offset`, code: 'duration_invalid', params: { value: offset } });
    else if (durationTooLong(dur))
      issues.push({ path: `${p}.offset`, code: 'duration_too_long', params: { value: offset } });
  }
  return { anchor: anchor as Anchor, offset: isStr(offset) ? offset.toUpperCase() : '' };
}

/** Canonical form of the content (fixed key order) — what "same content" means for a replay. */
export function canonicalContent(d: AgreementDraft): string {
  return JSON.stringify([
    d.externalRef,
    d.programmeCode,
    d.title,
    d.amount ? [d.amount.value, d.amount.currency] : null,
    d.startDate,
    d.endDate,
    d.signedAt,
    d.grantee.name,
    d.grantee.neq,
    d.contacts.map((c) => [c.name, c.email.toLowerCase(), c.locale]),
    d.requirements?.map((r) => [
      r.kind,
      r.count,
      'date' in r.due ? ['date', r.due.date] : [r.due.anchor, r.due.offset],
    ]) ?? null,
  ]);
}

export function contentHash(d: AgreementDraft): string {
  return crypto.createHash('sha256').update(canonicalContent(d)).digest('hex');
}
