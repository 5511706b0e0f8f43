import { catalog } from '@pc/service-kit';

/** Texts of the layout and of the pages every person sees (sign-in, errors). Each page file has its own catalog for the rest. */
export const common = catalog({
  fr: {
    site: 'Praxis conformité',
    skip: 'Aller au contenu',
    nav: 'Navigation principale',
    languageLabel: 'Langue',
    switchTo: 'English',
    signOut: 'Se déconnecter',
    signIn: 'Se connecter',
    signedInAs: (email: string) => `Connecté : ${email}`,
    footer: 'Suivi des obligations de diffusion sur Praxis.',
    footerLanguage: 'Vous pouvez choisir le français ou l’anglais en haut de chaque page ; votre choix est retenu.',
    myObligations: 'Mes obligations',
    dashboard: 'Tableau de bord',
    errorTitle: (status: number) => `Erreur ${status}`,
    back: 'Retour à l’accueil',
  },
  en: {
    site: 'Praxis compliance',
    skip: 'Skip to content',
    nav: 'Main navigation',
    languageLabel: 'Language',
    switchTo: 'Français',
    signOut: 'Sign out',
    signIn: 'Sign in',
    signedInAs: (email: string) => `Signed in: ${email}`,
    footer: 'Tracking Praxis publishing obligations.',
    footerLanguage: 'You can choose French or English at the top of every page; your choice is remembered.',
    myObligations: 'My obligations',
    dashboard: 'Dashboard',
    errorTitle: (status: number) => `Error ${status}`,
    back: 'Back to the home page',
  },
});

/** How an obligation's kind and status read, the same on the grantee's pages and the dashboard's. */
export const obligationLabels = {
  fr: {
    kinds: { learning_note: 'Note d’apprentissage', mid_term_note: 'Note de mi-parcours', final_note: 'Note finale' },
    statuses: {
      upcoming: 'à venir',
      due_soon: 'bientôt due',
      overdue: 'en retard',
      fulfilled: 'remplie',
      extended: 'prolongée',
      waived: 'dispensée',
      cancelled: 'annulée',
      evidence_withdrawn: 'preuve retirée',
    },
  },
  en: {
    kinds: { learning_note: 'Learning note', mid_term_note: 'Mid-term note', final_note: 'Final note' },
    statuses: {
      upcoming: 'upcoming',
      due_soon: 'due soon',
      overdue: 'overdue',
      fulfilled: 'fulfilled',
      extended: 'extended',
      waived: 'waived',
      cancelled: 'cancelled',
      evidence_withdrawn: 'evidence withdrawn',
    },
  },
} as const;
