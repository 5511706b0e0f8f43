import { CONTACT_LINK_TTL_DAYS, signContactLink, verifyContactLink } from '@pc/service-kit';
import { WindowLimit } from '../src/domain/window-limit';

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
