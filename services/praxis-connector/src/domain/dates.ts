/**
 * Publication dates as Praxis and feeds write them, turned into product calendar dates
 * (America/Montreal, YYYY-MM-DD).
 */
const ZONE = 'America/Montreal';

// Building an Intl formatter costs about a millisecond; discovery formats one date per feed item.
const MONTREAL = new Intl.DateTimeFormat('en-CA', {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

export function montrealDate(d: Date): string {
  return MONTREAL.format(d);
}

/** A machine date (ISO 8601, RFC 822 as in RSS pubDate) → calendar date, or null. */
export function machineDate(s: string | null | undefined): string | null {
  if (!s) return null;
  const t = s.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return validDate(t);
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) return null;
  // A bare date-time without zone is Praxis local time; Date.parse would read it as UTC, close enough
  // only when a zone is given. Keep the written day in that case.
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(t)) return validDate(t.slice(0, 10));
  return montrealDate(new Date(ms));
}

const MONTHS: Record<string, number> = {
  janvier: 1,
  janv: 1,
  fevrier: 2,
  fevr: 2,
  fev: 2,
  mars: 3,
  avril: 4,
  avr: 4,
  mai: 5,
  juin: 6,
  juillet: 7,
  juil: 7,
  aout: 8,
  septembre: 9,
  sept: 9,
  octobre: 10,
  oct: 10,
  novembre: 11,
  nov: 11,
  decembre: 12,
  dec: 12,
  january: 1,
  jan: 1,
  february: 2,
  feb: 2,
  march: 3,
  mar: 3,
  april: 4,
  apr: 4,
  may: 5,
  june: 6,
  jun: 6,
  july: 7,
  jul: 7,
  august: 8,
  aug: 8,
  september: 9,
  sep: 9,
  october: 10,
  november: 11,
  december: 12,
};

const fold = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

function validDate(s: string): string | null {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s ? s : null;
}
const ymd = (y: number, m: number, d: number): string | null =>
  validDate(`${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

/**
 * A human date as printed on a note page: "22 février 2024", "1er mars 2024", "22 févr. 2024",
 * "February 22, 2024", "2024-02-22", "22/02/2024" (day first, as in Québec French).
 */
export function humanDate(s: string): string | null {
  const t = fold(s).replace(/\s+/g, ' ').trim();
  let m = /(\d{4})-(\d{2})-(\d{2})/.exec(t);
  if (m) return ymd(+m[1]!, +m[2]!, +m[3]!);
  m = /\b(\d{1,2})(?:er|e)?\s+([a-z]+)\.?\s+(\d{4})\b/.exec(t);
  if (m && MONTHS[m[2]!]) return ymd(+m[3]!, MONTHS[m[2]!]!, +m[1]!);
  m = /\b([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b/.exec(t);
  if (m && MONTHS[m[1]!]) return ymd(+m[3]!, MONTHS[m[1]!]!, +m[2]!);
  m = /\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/.exec(t);
  if (m) return ymd(+m[3]!, +m[2]!, +m[1]!);
  return null;
}

/** Finds the "Publication <date>" line (or "Publié le <date>", "Published <date>") in page text. */
export function publicationLine(text: string): string | null {
  const re = /(?:Publication|Publi[ée]e?\s+le|Date de publication|Published(?:\s+on)?)\s*:?\s*([^\n|]{6,40})/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const d = humanDate(m[1]!);
    if (d) return d;
  }
  return null;
}
