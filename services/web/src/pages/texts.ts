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
