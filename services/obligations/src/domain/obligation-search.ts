/**
 * What a funder's or auditor's obligation list may be sorted by, and its opaque keyset cursor.
 *
 * Every sort ends on (due date, id) so that a page boundary is one row value whatever the sort; the
 * cursor carries the sort it was made for, so a cursor of another sort is refused rather than
 * silently skipping rows. A cursor of the earlier form `[dueDate, id]` still reads as the due-date sort.
 */
import { fieldError, invalid, isCalendarDate } from '@pc/service-kit';

export const SORTS = ['dueDate', '-dueDate', 'status', 'grantee'] as const;
export type Sort = (typeof SORTS)[number];

/**
 * The order of statuses in a list sorted by status: what needs a funder's attention first (late, then
 * soon due), closed ones last. Held as a list so the SQL (`array_position`) and this file agree.
 */
export const STATUS_ORDER = [
  'overdue',
  'evidence_withdrawn',
  'due_soon',
  'upcoming',
  'extended',
  'fulfilled',
  'waived',
  'cancelled',
] as const;

/** The row value a page ended on: the sort's own key (absent for due-date sorts), due date, id. */
export interface SearchKeyset {
  sort: Sort;
  key: string | number | null;
  dueDate: string;
  id: string;
}

const UUID = /^[0-9a-f-]{36}$/;

export function encodeSearchCursor(k: SearchKeyset): string {
  const body = k.key === null ? [k.sort, k.dueDate, k.id] : [k.sort, k.key, k.dueDate, k.id];
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

const badCursor = () =>
  invalid([
    fieldError('cursor', { fr: "n'est pas un curseur rendu par cette API", en: 'is not a cursor this API returned' }),
  ]);

/** The keyset a cursor names for this sort; 422 on `cursor` for anything else (another sort's included). */
export function decodeSearchCursor(c: string, sort: Sort): SearchKeyset {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(v)) throw badCursor();
  const row: unknown[] = v.length === 2 ? ['dueDate', ...v] : v;
  const [s, ...rest] = row;
  if (s !== sort) throw badCursor();
  const keyed = sort === 'status' || sort === 'grantee';
  if (rest.length !== (keyed ? 3 : 2)) throw badCursor();
  const [key, dueDate, id] = keyed ? rest : [null, ...rest];
  const keyOk = sort === 'status' ? Number.isInteger(key) : sort === 'grantee' ? typeof key === 'string' : key === null;
  if (!keyOk || typeof dueDate !== 'string' || !isCalendarDate(dueDate) || typeof id !== 'string' || !UUID.test(id))
    throw badCursor();
  return { sort, key: key as string | number | null, dueDate, id };
}

/**
 * The free-text filter as a LIKE pattern: trimmed, `%`, `_` and `\` taken literally, and null when
 * nothing is left (an empty box filters nothing).
 */
export function likePattern(text: string | undefined): string | null {
  const t = (text ?? '').trim();
  if (t === '') return null;
  return `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
