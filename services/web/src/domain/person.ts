import type { Principal } from '@pc/service-kit';

/** What a member may be given when invited (a grantee contact is never a member: see README). */
export const MEMBER_ROLES = ['funder_officer', 'auditor', 'admin'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];
/** Who may be signed in to the pages. */
export type PersonRole = MemberRole | 'grantee_contact';

/** The signed-in person every page handler receives. */
export interface Person {
  /** lower-cased */
  email: string;
  role: PersonRole;
  /** funders this person reads: one for a funder officer, the scope of an auditor; empty otherwise */
  funderIds: string[];
}

export const isMemberRole = (v: unknown): v is MemberRole => MEMBER_ROLES.includes(v as MemberRole);

/** The one lower-cased form of an address (sessions, members and agreements' contacts compare it). */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/**
 * The identity a page presents to the services behind, for this person, signed per request by
 * `serviceClient`. The services then apply exactly the access rules of the public API: a page can
 * never show more than the person's own API access would.
 */
export function principalFor(p: Person): Principal {
  const keyId = `person:${p.role}`;
  switch (p.role) {
    case 'funder_officer':
      return {
        keyId,
        role: 'funder',
        funderId: p.funderIds[0] ?? null,
        funderIds: p.funderIds.slice(0, 1),
        granteeId: null,
      };
    case 'auditor':
      return { keyId, role: 'auditor', funderId: null, funderIds: p.funderIds, granteeId: null };
    case 'admin':
      return { keyId, role: 'admin', funderId: null, funderIds: [], granteeId: null };
    case 'grantee_contact':
      return { keyId, role: 'contact', funderId: null, funderIds: [], granteeId: null, contactEmail: p.email };
  }
}
