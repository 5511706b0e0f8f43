import { page } from '../page';
import { dashboardScreen } from './screens';

/** The funder dashboard: per programme counts and compliance rate, the obligations filtered, sorted, paged. */
export const funderDashboardPage = page({
  method: 'GET',
  path: '/funder',
  access: ['funder_officer'],
  handle: (ctx) => dashboardScreen(ctx, 'funder'),
});
