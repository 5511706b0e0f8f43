import { catalog } from '@pc/service-kit';
import type { Tone } from '../domain/reminder';

/** Every sentence a grantee reads, in French and English (French first). */
export const messages = catalog({
  fr: {
    /** French typography puts a space before the colon */
    colon: '\u00a0: ',
    kind: { learning_note: 'Note d’apprentissage', mid_term_note: 'Note de mi-parcours', final_note: 'Note finale' },
    number: (n: number) => ` (no ${n})`,
    subject: (tone: Tone, n: number) => {
      const notes = n > 1 ? `${n} notes à publier` : '1 note à publier';
      return {
        upcoming: `Rappel : ${notes} sur Praxis`,
        soon: `Échéance proche : ${notes} sur Praxis`,
        overdue: `En retard : ${notes} sur Praxis`,
        final: `Dernier rappel : ${notes} sur Praxis`,
      }[tone];
    },
    greeting: (name: string) => `Bonjour ${name},`,
    intro: (n: number) =>
      n > 1
        ? `Vos ententes de subvention prévoient la publication de notes publiques sur Praxis. Voici les ${n} notes attendues.`
        : 'Votre entente de subvention prévoit la publication d’une note publique sur Praxis. Voici la note attendue.',
    copyIntro: (contact: string, grantee: string) =>
      `Copie pour information : dernier rappel envoyé à ${contact} (${grantee}) pour les ententes de votre organisation ci-dessous.`,
    ccNotice: 'Ce dernier rappel est envoyé en copie aux responsables du suivi chez votre bailleur de fonds.',
    tone: {
      upcoming: 'Petit rappel : cette note arrive à échéance.',
      soon: 'L’échéance approche.',
      overdue: 'Cette note est en retard. Pourriez-vous la publier dès que possible ?',
      final: 'Dernier rappel : votre bailleur de fonds est informé de ce retard.',
    } satisfies Record<Tone, string>,
    programme: 'Programme',
    externalRef: 'Référence du bailleur',
    referenceCode: 'Code à inscrire dans la note',
    due: 'Échéance',
    declare: 'Déclarer l’adresse de la note',
    howToTitle: 'Comment faire',
    howTo: [
      'Publiez la note sur Praxis (praxis.encommun.io) avec la visibilité « public ».',
      'Inscrivez dans le texte de la note le code de référence de l’entente indiqué ci-dessus.',
      'La note est reconnue automatiquement ; vous pouvez aussi en déclarer l’adresse sur votre page.',
    ],
    yourPage: 'Votre page de suivi',
    footer:
      'Message automatique de Praxis conformité. Vous le recevez comme personne-ressource d’une entente de subvention.',
    preferences: 'Langue des messages : modifiable sur votre page de suivi.',
  },
  en: {
    colon: ': ',
    kind: { learning_note: 'Learning note', mid_term_note: 'Mid-term note', final_note: 'Final note' },
    number: (n: number) => ` (#${n})`,
    subject: (tone: Tone, n: number) => {
      const notes = n > 1 ? `${n} notes to publish` : '1 note to publish';
      return {
        upcoming: `Reminder: ${notes} on Praxis`,
        soon: `Due soon: ${notes} on Praxis`,
        overdue: `Overdue: ${notes} on Praxis`,
        final: `Final reminder: ${notes} on Praxis`,
      }[tone];
    },
    greeting: (name: string) => `Hello ${name},`,
    intro: (n: number) =>
      n > 1
        ? `Your grant agreements require public notes on Praxis. Here are the ${n} notes due.`
        : 'Your grant agreement requires a public note on Praxis. Here is the note due.',
    copyIntro: (contact: string, grantee: string) =>
      `Copy for your information: final reminder sent to ${contact} (${grantee}) for your organisation's agreements below.`,
    ccNotice: 'This final reminder is copied to the people who follow up at your funder.',
    tone: {
      upcoming: 'A friendly reminder: this note is coming due.',
      soon: 'The due date is near.',
      overdue: 'This note is late. Could you publish it as soon as possible?',
      final: 'Final reminder: your funder is informed of the delay.',
    } satisfies Record<Tone, string>,
    programme: 'Programme',
    externalRef: 'Funder reference',
    referenceCode: 'Code to write in the note',
    due: 'Due',
    declare: 'Declare the note’s address',
    howToTitle: 'How to do it',
    howTo: [
      'Publish the note on Praxis (praxis.encommun.io) with visibility “public”.',
      'Write the agreement’s reference code shown above in the text of the note.',
      'The note is recognised automatically; you can also declare its address on your page.',
    ],
    yourPage: 'Your follow-up page',
    footer: 'Automatic message from Praxis compliance. You receive it as the contact person of a grant agreement.',
    preferences: 'Language of these messages: change it on your follow-up page.',
  },
});
