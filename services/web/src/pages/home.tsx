import type { Person } from '../domain/person';
import { page } from './page';

/** Where a person lands after signing in (and on `/`). */
export function homeOf(p: Person): string {
  switch (p.role) {
    case 'grantee_contact':
      return '/grantee';
    case 'auditor':
      return '/auditor';
    case 'funder_officer':
      return '/funder';
    case 'admin':
      return '/admin';
  }
}

export const homePage = page({
  method: 'GET',
  path: '/',
  access: 'public',
  handle: (ctx) => ({ redirect: ctx.person ? homeOf(ctx.person) : '/sign-in' }),
});
