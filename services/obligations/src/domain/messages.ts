import type { Locale } from './ports';

/** Texts a person reads, French first (brief: every message exists in fr and en, default fr). */
export const kindLabel: Record<Locale, Record<string, string>> = {
  fr: { learning_note: "note d'apprentissage", mid_term_note: 'note de mi-parcours', final_note: 'note finale' },
  en: { learning_note: 'learning note', mid_term_note: 'mid-term note', final_note: 'final note' },
};

export const messages = {
  fr: {
    calendarName: 'Obligations de diffusion Praxis',
    summary: (kind: string, title: string, ref: string) => `Praxis : ${kindLabel.fr[kind] ?? kind} à publier — ${title} (${ref})`,
    description: (kind: string, ref: string, externalRef: string, due: string, overdue: boolean) =>
      `Publiez sur Praxis (praxis.encommun.io) une note publique — ${kindLabel.fr[kind] ?? kind} — qui mentionne le code de référence ${ref} (entente ${externalRef}). Échéance : ${due}.`
      + (overdue ? ' Cette obligation est en retard.' : ''),
    notUsed: 'Cette note ne sert encore de preuve pour aucune autre obligation de cette entente.',
    alreadyUsed: 'Cette note sert déjà de preuve pour une autre obligation de cette entente : une note ne compte qu’une fois par entente.',
    notReached: 'Vérification non effectuée : la note n’a pas passé les vérifications précédentes.',
  },
  en: {
    calendarName: 'Praxis publishing obligations',
    summary: (kind: string, title: string, ref: string) => `Praxis: ${kindLabel.en[kind] ?? kind} due — ${title} (${ref})`,
    description: (kind: string, ref: string, externalRef: string, due: string, overdue: boolean) =>
      `Publish on Praxis (praxis.encommun.io) a public note — ${kindLabel.en[kind] ?? kind} — that mentions the reference code ${ref} (agreement ${externalRef}). Due date: ${due}.`
      + (overdue ? ' This obligation is overdue.' : ''),
    notUsed: 'This note is not yet evidence for another obligation of this agreement.',
    alreadyUsed: 'This note is already evidence for another obligation of this agreement: a note counts once per agreement.',
    notReached: 'Not checked: the note did not pass the previous checks.',
  },
} as const;

/** `Accept-Language: en-CA,en;q=0.9` → en; anything else (or nothing) → fr. */
export function localeFrom(acceptLanguage: string | undefined): Locale {
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'fr';
}
