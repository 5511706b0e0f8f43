import { catalog, type Locale } from '@pc/service-kit';
import type { ObligationStatus } from './lifecycle';

/** What a grantee calls each kind of note; a kind this list does not know is shown as sent. */
const kinds = catalog({
  fr: { learning_note: "note d'apprentissage", mid_term_note: 'note de mi-parcours', final_note: 'note finale' },
  en: { learning_note: 'learning note', mid_term_note: 'mid-term note', final_note: 'final note' },
});
const kindOf = (locale: Locale, kind: string): string => (kinds.has(kind) ? kinds.t(locale, kind) : kind);

/** Texts a person reads (the calendar feed, the evidence check this service adds), French first. */
export const messages = catalog({
  fr: {
    calendarName: 'Obligations de diffusion Praxis',
    summary: (kind: string, title: string, ref: string) =>
      `Praxis : ${kindOf('fr', kind)} à publier — ${title} (${ref})`,
    description: (kind: string, ref: string, externalRef: string, due: string, overdue: boolean) =>
      `Publiez sur Praxis (praxis.encommun.io) une note publique — ${kindOf('fr', kind)} — qui mentionne le code de référence ${ref} (entente ${externalRef}). Échéance : ${due}.` +
      (overdue ? ' Cette obligation est en retard.' : ''),
    notUsed: 'Cette note ne sert encore de preuve pour aucune autre obligation de cette entente.',
    alreadyUsed:
      'Cette note sert déjà de preuve pour une autre obligation de cette entente : une note ne compte qu’une fois par entente.',
    notReached: 'Vérification non effectuée : la note n’a pas passé les vérifications précédentes.',
  },
  en: {
    calendarName: 'Praxis publishing obligations',
    summary: (kind, title, ref) => `Praxis: ${kindOf('en', kind)} due — ${title} (${ref})`,
    description: (kind, ref, externalRef, due, overdue) =>
      `Publish on Praxis (praxis.encommun.io) a public note — ${kindOf('en', kind)} — that mentions the reference code ${ref} (agreement ${externalRef}). Due date: ${due}.` +
      (overdue ? ' This obligation is overdue.' : ''),
    notUsed: 'This note is not yet evidence for another obligation of this agreement.',
    alreadyUsed:
      'This note is already evidence for another obligation of this agreement: a note counts once per agreement.',
    notReached: 'Not checked: the note did not pass the previous checks.',
  },
});

/** How a sentence names each state, for the life cycle's conflict errors. */
const states = catalog({
  fr: {
    upcoming: 'à venir',
    due_soon: 'à échéance proche',
    overdue: 'en retard',
    fulfilled: 'remplie',
    extended: 'prolongée',
    waived: 'levée',
    cancelled: 'annulée',
    evidence_withdrawn: 'à preuve retirée',
  },
  en: {
    upcoming: 'upcoming',
    due_soon: 'due soon',
    overdue: 'overdue',
    fulfilled: 'fulfilled',
    extended: 'extended',
    waived: 'waived',
    cancelled: 'cancelled',
    evidence_withdrawn: 'evidence withdrawn',
  },
});

/** Why a move is refused (409): the life cycle names both states. */
export const transitionTexts = catalog({
  fr: {
    cannotStart: (to: ObligationStatus) => `une obligation ne peut pas commencer ${states.fr[to]}`,
    cannotBecome: (from: ObligationStatus, to: ObligationStatus, final: boolean) =>
      `une obligation ${states.fr[from]} ne peut pas devenir ${states.fr[to]}${final ? ' (état définitif)' : ''}`,
  },
  en: {
    cannotStart: (to) => `an obligation cannot start as ${states.en[to]}`,
    cannotBecome: (from, to, final) =>
      `an obligation that is ${states.en[from]} cannot become ${states.en[to]}${final ? ` (${states.en[from]} is final)` : ''}`,
  },
});

/** Field errors of an extension or a waiver. */
export const changeTexts = catalog({
  fr: {
    calendarDate: 'doit être une date du calendrier AAAA-MM-JJ',
    afterCurrent: (d: string) => `doit être postérieure à l'échéance actuelle ${d}`,
    notPast: (d: string) => `ne peut pas être dans le passé (nous sommes le ${d})`,
    notAfterLast: (d: string) => `ne peut pas dépasser le ${d}`,
    reasonRequired: 'un motif est requis',
  },
  en: {
    calendarDate: 'must be a calendar date YYYY-MM-DD',
    afterCurrent: (d) => `must be after the current due date ${d}`,
    notPast: (d) => `must not be in the past (today is ${d})`,
    notAfterLast: (d) => `must not be later than ${d}`,
    reasonRequired: 'a reason is required',
  },
});
