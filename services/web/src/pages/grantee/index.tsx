import { catalog } from '@pc/service-kit';
import { page } from '../page';

const texts = catalog({
  fr: { title: 'Mes obligations de diffusion' },
  en: { title: 'My publishing obligations' },
});

/** The grantee page every reminder links to: the obligations of the agreements that list this contact. */
export const granteePage = page({
  method: 'GET',
  path: '/grantee',
  access: ['grantee_contact'],
  handle: (ctx) => ({ title: texts.t(ctx.locale, 'title'), body: <p>…</p> }),
});
