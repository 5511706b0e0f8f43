import { page } from '../page';
import { reportDownload } from './screens';

/** The funder's compliance report, downloadable in every format (json, csv, html, pdf). */
export const funderReportPage = page({
  method: 'GET',
  path: '/funder/report',
  access: ['funder_officer'],
  handle: (ctx) => reportDownload(ctx),
});
