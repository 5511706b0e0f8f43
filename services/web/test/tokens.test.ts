import { CONTACT_LINK_TTL_DAYS, readContactLink, signContactLink, verifyContactLink } from '@pc/service-kit';
import { WindowLimit } from '../src/domain/window-limit';
import { principalFor, type PersonRole } from '../src/domain/person';

const SECRET = 's'.repeat(40);
const DAY = 86_400_000;

describe('the contact link of a reminder', () => {
  const now = Date.parse('2027-06-15T10:00:00Z');
  it('names its contact (lower-cased) until 14 days have passed, then nothing', () => {
    const token = signContactLink('Alice@Atelier.example', SECRET, now);
    expect(verifyContactLink(token, SECRET, now)).toBe('alice@atelier.example');
    expect(verifyContactLink(token, SECRET, now + CONTACT_LINK_TTL_DAYS * DAY - 1000)).toBe('alice@atelier.example');
    expect(verifyContactLink(token, SECRET, now + CONTACT_LINK_TTL_DAYS * DAY)).toBeNull();
  });
  it('is refused when signed with another secret, altered, or malformed', () => {
    const token = signContactLink('alice@atelier.example', SECRET, now);
    expect(verifyContactLink(token, 'o'.repeat(40), now)).toBeNull();
    const [body, sig] = token.split('.');
    const other = Buffer.from(JSON.stringify({ e: 'bob@atelier.example', x: now / 1000 + 1e6 })).toString('base64url');
    expect(verifyContactLink(`${other}.${sig}`, SECRET, now)).toBeNull();
    expect(verifyContactLink(`${body}.${sig}.x`, SECRET, now)).toBeNull();
    expect(verifyContactLink('', SECRET, now)).toBeNull();
  });
  it('tells when it was signed, to the second (a link signed before an erasure is refused by that)', () => {
    const token = signContactLink('alice@atelier.example', SECRET, now + 999);
    expect(readContactLink(token, SECRET, now + DAY)).toEqual({ email: 'alice@atelier.example', issuedAtMs: now });
    expect(readContactLink(token, SECRET, now + CONTACT_LINK_TTL_DAYS * DAY)).toBeNull();
    expect(readContactLink(token, 'o'.repeat(40), now)).toBeNull();
  });
});

describe('the principal of a signed-in person', () => {
  // Its key id is the actor the services record (an obligation's transition when a contact declares
  // evidence on the page, the audit chain after it): an address there would outlive a Law 25 erasure.
  it.each<PersonRole>(['grantee_contact', 'funder_officer', 'auditor', 'admin'])(
    'names no email in the key id of a %s',
    (role) => {
      const p = principalFor({ email: 'alice@atelier.example', role, funderIds: ['f1'] });
      expect(p.keyId).toBe(`person:${role}`);
      expect(JSON.stringify({ ...p, contactEmail: undefined })).not.toContain('alice');
    },
  );
  it('gives a contact its email only as the scope the obligations service reads by', () => {
    expect(principalFor({ email: 'alice@atelier.example', role: 'grantee_contact', funderIds: [] })).toMatchObject({
      role: 'contact',
      contactEmail: 'alice@atelier.example',
    });
  });
});

describe('the sign-in limit per client address', () => {
  it('allows `max` requests per window, refuses the next without recording it, and forgets after the window', () => {
    let t = 0;
    const limit = new WindowLimit(2, 15 * 60_000, () => t);
    expect(limit.take('10.0.0.1')).toBe(true);
    expect(limit.take('10.0.0.1')).toBe(true);
    expect(limit.take('10.0.0.1')).toBe(false);
    expect(limit.take('10.0.0.2')).toBe(true); // another address is its own count
    t = 15 * 60_000;
    expect(limit.take('10.0.0.1')).toBe(true);
  });
});
