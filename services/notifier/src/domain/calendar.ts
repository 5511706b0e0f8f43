/** Dates as a Québec reader writes them (pure; Node ships full ICU). */
import { catalog, type Locale } from '@pc/service-kit';

const fmt = {
  fr: new Intl.DateTimeFormat('fr-CA', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-CA', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
};

const utc = (d: string): number => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));

/** « 15 juillet 2027 », « 1er juillet 2027 » (fr); "July 15, 2027" (en). */
export function longDate(date: string, locale: Locale): string {
  const text = fmt[locale].format(new Date(utc(date)));
  return locale === 'fr' ? text.replace(/^1 /, '1er ') : text;
}

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((utc(to) - utc(from)) / 86_400_000);
}

const relative = catalog({
  fr: {
    days: (days: number): string => {
      if (days > 1) return `dans ${days} jours`;
      if (days === 1) return 'demain';
      if (days === 0) return 'aujourd’hui';
      if (days === -1) return 'en retard d’un jour';
      return `en retard de ${-days} jours`;
    },
  },
  en: {
    days: (days) => {
      if (days > 1) return `in ${days} days`;
      if (days === 1) return 'tomorrow';
      if (days === 0) return 'today';
      if (days === -1) return '1 day late';
      return `${-days} days late`;
    },
  },
});

/** "dans 12 jours", "demain", "aujourd'hui", "en retard de 3 jours" / "in 12 days", "3 days late". */
export const relativeDays = (days: number, locale: Locale): string => relative.t(locale, 'days', days);
