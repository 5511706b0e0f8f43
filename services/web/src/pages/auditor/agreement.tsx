import { page } from '../page';
import { agreementScreen } from '../funder/screens';

/** An agreement of the auditor's scope with every obligation's history, evidence and reminders, read only. */
export const auditorAgreementPage = page({
  method: 'GET',
  path: '/auditor/agreements/:id',
  access: ['auditor'],
  handle: (ctx) => agreementScreen(ctx, 'auditor'),
});
