import type { Page } from './page';
import { homePage } from './home';
import { languagePage } from './language';
import { linkPage, requestLinkPage, signInPage, signOutPage, useLinkPage } from './sign-in';
import { granteePage } from './grantee';
import { funderDashboardPage } from './funder/dashboard';
import { funderAgreementPage } from './funder/agreement';
import { extendPage, waivePage } from './funder/decide';
import { funderReportPage } from './funder/report';
import { importFormPage, importPage } from './funder/import';
import { apiKeysPage, createApiKeyPage, revokeApiKeyPage } from './funder/api-keys';
import {
  adminInviteMemberPage,
  adminMembersPage,
  adminRemoveMemberPage,
  inviteMemberPage,
  membersPage,
  removeMemberPage,
} from './funder/members';
import { auditorDashboardPage } from './auditor/dashboard';
import { auditorAgreementPage } from './auditor/agreement';
import { auditorReportPage } from './auditor/report';
import { auditorAuditExportPage, auditorAuditPage } from './auditor/audit';
import { auditorNoWritesPage } from './auditor/no-writes';
import { declareEvidencePage, granteeObligationPage } from './grantee/obligation';
import { calendarFeedPage, regenerateCalendarPage, revokeCalendarPage } from './grantee/calendar';

/**
 * Every page of the site, in one list (first match wins, as Express routes). A new page is one file
 * under src/pages/<area>/ exporting `page({...})`, and one line here. Areas: `grantee/` (contacts),
 * `funder/` (funder officers, admins) and `auditor/` (auditors); see the README.
 */
export const PAGES: readonly Page[] = [
  homePage,
  languagePage,
  signInPage,
  requestLinkPage,
  linkPage,
  useLinkPage,
  signOutPage,
  granteePage,
  granteeObligationPage,
  declareEvidencePage,
  regenerateCalendarPage,
  revokeCalendarPage,
  calendarFeedPage,
  // funder/ and auditor/ pages: append below this line
  funderDashboardPage,
  funderAgreementPage,
  extendPage,
  waivePage,
  funderReportPage,
  importFormPage,
  importPage,
  apiKeysPage,
  createApiKeyPage,
  revokeApiKeyPage,
  membersPage,
  inviteMemberPage,
  removeMemberPage,
  adminMembersPage,
  adminInviteMemberPage,
  adminRemoveMemberPage,
  auditorDashboardPage,
  auditorAgreementPage,
  auditorReportPage,
  auditorAuditPage,
  auditorAuditExportPage,
  auditorNoWritesPage,
];
