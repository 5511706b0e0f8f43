import { page } from '../page';
import { dashboardScreen } from '../funder/screens';

/** The auditor's view: the funder dashboard over its scope, read only (no form). */
export const auditorDashboardPage = page({
  method: 'GET',
  path: '/auditor',
  access: ['auditor'],
  handle: (ctx) => dashboardScreen(ctx, 'auditor'),
});
