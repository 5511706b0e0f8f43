/**
 * Cell values of the CSV import written the way spreadsheets write them (pure): dates as French
 * Excel re-saves them, amounts in dollars in the French or English way. Whatever could be read two
 * ways is refused, never guessed.
 */
import { isCalendarDate } from './calendar';
import type { MessageCode } from './messages';

export type Read<T> = { ok: true; value: T } | { ok: false; code: MessageCode };

/**
 * `AAAA-MM-JJ`, or `JJ/MM/AAAA` day first (what Excel writes in a French locale; `3/4/2027` too).
 * Refused: a two-digit year (`03/04/27`: which century, and was it day first?), a month over 12
 * where the day would fit (`12/31/2027`, written month first by an English Excel), any date the
 * calendar does not have.
 */
export function readCsvDate(text: string): Read<string> {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text))
    return isCalendarDate(text) ? { ok: true, value: text } : { ok: false, code: 'csv_date_invalid' };
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d+)$/.exec(text);
  if (!m) return { ok: false, code: 'csv_date_invalid' };
  const [, d, mo, y] = m as unknown as [string, string, string, string];
  if (y.length <= 2) return { ok: false, code: 'csv_date_two_digit_year' };
  if (y.length !== 4) return { ok: false, code: 'csv_date_invalid' };
  if (Number(mo) > 12 && Number(d) <= 12) return { ok: false, code: 'csv_date_month_first' };
  const iso = `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}`;
  return isCalendarDate(iso) ? { ok: true, value: iso } : { ok: false, code: 'csv_date_invalid' };
}

/** Spaces that group thousands: space, no-break space, narrow no-break space (French Excel), thin space. */
const GROUP_SPACE = '[ \\u00a0\\u202f\\u2009]';
const SPACE_GROUPED = new RegExp(`^\\d{1,3}(?:${GROUP_SPACE}\\d{3})+$`);
const COMMA_GROUPED = /^\d{1,3}(?:,\d{3})+$/;

/**
 * An amount in dollars → cents. Accepted: `25 000,00 $`, `25 000 $`, `25000,5`, `$25,000.00`,
 * `25,000.00`, `25000.00`, `1,250,000` (the `$` before or after, thousands grouped by a space of any
 * kind, or by commas when a period or a second comma shows they are not decimals). Refused as
 * ambiguous: one separator followed by exactly three digits (`25,000` or `25.000`: 25 thousand, or
 * 25 with three decimals?). Refused: more than two decimals, a negative amount, any other form.
 */
export function readDollars(input: string): Read<number> {
  let s = input.trim();
  if (s.startsWith('$')) s = s.slice(1).trim();
  else if (s.endsWith('$')) s = s.slice(0, -1).trim();
  if (/^[-\u2212]/.test(s) && /\d/.test(s)) return { ok: false, code: 'amount_negative' };
  if (!/^\d[\d ,.\u00a0\u202f\u2009]*$/.test(s) || !/\d$/.test(s)) return { ok: false, code: 'csv_amount_invalid' };

  const commas = s.split(',').length - 1;
  const periods = s.split('.').length - 1;
  let whole: string;
  let decimals = '';
  if (commas > 0 && periods > 0) {
    // English: commas group, one period ends the dollars (`25,000.00`). `25.000,00` is not a form of French Canada.
    const [w, dec] = s.split('.') as [string, string];
    if (periods !== 1 || !COMMA_GROUPED.test(w)) return { ok: false, code: 'csv_amount_invalid' };
    whole = w.replace(/,/g, '');
    decimals = dec;
  } else if (commas + periods === 1) {
    const sep = commas === 1 ? ',' : '.';
    const [w, dec] = s.split(sep) as [string, string];
    if (dec.length === 3 && /^\d{1,3}$/.test(w)) return { ok: false, code: 'csv_amount_ambiguous' };
    if (!/^\d+$/.test(w) && !SPACE_GROUPED.test(w)) return { ok: false, code: 'csv_amount_invalid' };
    whole = w.replace(/\D/g, '');
    decimals = dec;
  } else if (commas > 1) {
    if (!COMMA_GROUPED.test(s)) return { ok: false, code: 'csv_amount_invalid' };
    whole = s.replace(/,/g, '');
  } else if (periods > 1) {
    return { ok: false, code: 'csv_amount_invalid' };
  } else {
    if (!/^\d+$/.test(s) && !SPACE_GROUPED.test(s)) return { ok: false, code: 'csv_amount_invalid' };
    whole = s.replace(/\D/g, '');
  }
  if (!/^\d*$/.test(decimals)) return { ok: false, code: 'csv_amount_invalid' };
  if (decimals.length > 2) return { ok: false, code: 'csv_amount_fraction' };
  const cents = Number(whole) * 100 + Number(decimals.padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) return { ok: false, code: 'csv_amount_invalid' };
  return { ok: true, value: cents };
}
