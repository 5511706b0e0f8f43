/**
 * iCalendar (RFC 5545) feed of a grantee's open obligations: one all-day VEVENT per obligation on its
 * due date, with a UID that never changes for that obligation (calendar apps update, not duplicate).
 */
import { addDays } from '@pc/lifecycle';
import { DEFAULT_LOCALE, type Locale } from '@pc/service-kit';
import { messages } from './messages';

export interface CalendarObligation {
  id: string;
  kind: string;
  dueDate: string;
  status: string;
  updatedAt: Date;
  title: string;
  referenceCode: string;
  externalRef: string;
}

const CRLF = '\r\n';

/** TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines. */
export function escapeText(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * Folds a content line at 75 octets (§3.1): continuation lines start with one space. Never cuts a
 * UTF-8 sequence in two (French accents are two octets).
 */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    const limit = out.length === 0 ? 75 : 74; // a continuation line spends one octet on its leading space
    if (octets + n > limit) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += n;
  }
  out.push(current);
  return out.join(`${CRLF} `);
}

const basicDate = (d: string): string => d.replace(/-/g, '');
const utcStamp = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

export function renderCalendar(obligations: readonly CalendarObligation[], locale: Locale = DEFAULT_LOCALE): string {
  const m = messages[locale];
  const lines: string[] = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:-//En commun//Praxis compliance//${locale.toUpperCase()}`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(m.calendarName)}`,
  ];
  for (const o of obligations) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${o.id}@praxis-compliance.encommun.io`,
      `DTSTAMP:${utcStamp(o.updatedAt)}`,
      `LAST-MODIFIED:${utcStamp(o.updatedAt)}`,
      `DTSTART;VALUE=DATE:${basicDate(o.dueDate)}`,
      `DTEND;VALUE=DATE:${basicDate(addDays(o.dueDate, 1))}`,
      `SUMMARY:${escapeText(m.summary(o.kind, o.title, o.referenceCode))}`,
      `DESCRIPTION:${escapeText(m.description(o.kind, o.referenceCode, o.externalRef, o.dueDate, o.status === 'overdue'))}`,
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join(CRLF) + CRLF;
}
