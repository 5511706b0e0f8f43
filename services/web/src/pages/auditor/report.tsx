import { page } from '../page';
import { reportDownload } from '../funder/screens';

/** The compliance report of one funder of the auditor's scope (`funderId`), or of all of it, in every format. */
export const auditorReportPage = page({
  method: 'GET',
  path: '/auditor/report',
  access: ['auditor'],
  handle: (ctx) => reportDownload(ctx),
});
