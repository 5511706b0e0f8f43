/** The opaque keyset cursor of obligation lists: the (due date, id) of the last row a page showed. */
import { fieldError, invalid, isCalendarDate } from '@pc/service-kit';

export type Keyset = [dueDate: string, id: string];

export function encodeCursor(dueDate: string, id: string): string {
  return Buffer.from(JSON.stringify([dueDate, id])).toString('base64url');
}

/** The keyset a cursor names; 422 on `cursor` for anything this API did not return. */
export function decodeCursor(c: string): Keyset {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      isCalendarDate(v[0]) &&
      typeof v[1] === 'string' &&
      /^[0-9a-f-]{36}$/.test(v[1])
    )
      return [v[0], v[1]];
  } catch {
    /* fall through */
  }
  throw invalid([
    fieldError('cursor', { fr: "n'est pas un curseur rendu par cette API", en: 'is not a cursor this API returned' }),
  ]);
}
