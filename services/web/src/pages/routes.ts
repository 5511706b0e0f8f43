import type { Page } from './page';
import { homePage } from './home';
import { languagePage } from './language';
import { linkPage, requestLinkPage, signInPage, signOutPage, useLinkPage } from './sign-in';
import { granteePage } from './grantee';

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
  // funder/ and auditor/ pages: append below this line
];
