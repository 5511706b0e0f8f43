import { page } from '../page';
import { param } from './api';
import { agreementScreen } from './screens';
import { dash } from './texts';

/** An agreement with its obligations' transitions, evidence and reminders, and the extension and waiver forms. */
export const funderAgreementPage = page({
  method: 'GET',
  path: '/funder/agreements/:id',
  access: ['funder_officer'],
  handle: (ctx) => {
    const done = param(ctx, 'done');
    const notice =
      done === 'extended' ? dash[ctx.locale].extended : done === 'waived' ? dash[ctx.locale].waived : undefined;
    return agreementScreen(ctx, 'funder', { notice });
  },
});
