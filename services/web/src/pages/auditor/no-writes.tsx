import { AppError } from '@pc/service-kit';
import { page } from '../page';

/**
 * The auditor view has no form; a POST under /auditor (forged, or from an old page) is refused as
 * such, 403, rather than "not found" (the CSRF check runs first; this answers one that passed it).
 */
export const auditorNoWritesPage = page({
  method: 'POST',
  path: '/auditor{/*rest}',
  access: ['auditor'],
  handle: () => {
    throw new AppError('forbidden', {
      fr: 'Un vérificateur consulte seulement : rien ne peut être modifié ici.',
      en: 'An auditor reads only: nothing can be changed here.',
    });
  },
});
