import { humanDate, machineDate, publicationLine } from '../src/domain/dates';
import { ReferenceIndex, mentions } from '../src/domain/references';
import { HostPolicy } from '../src/domain/host-policy';
import { readNotePage } from '../src/adapters/html';
import { parseFeed } from '../src/adapters/feed-adapter';

// Pure parsing rules (no I/O): table-driven.
describe('dates as Praxis and feeds print them', () => {
  it.each([
    ['22 février 2024', '2024-02-22'],
    ['1er mars 2024', '2024-03-01'],
    ['22 févr. 2024', '2024-02-22'],
    ['3 AOÛT 2025', '2025-08-03'],
    ['February 22, 2024', '2024-02-22'],
    ['2024-02-22', '2024-02-22'],
    ['22/02/2024', '2024-02-22'],
    ['31 février 2024', null],
    ['bientôt', null],
  ])('%s → %s', (s, d) => expect(humanDate(s)).toBe(d));
  it('finds the Publication line among the other French labels', () => {
    expect(
      publicationLine(
        'Intégré par Marie Tremblay, le 3 janvier 2024\nPublication 22 février 2024\nModification 1er mars 2024',
      ),
    ).toBe('2024-02-22');
  });
  it('reads RSS and ISO dates in Montréal time', () => {
    expect(machineDate('Thu, 22 Feb 2024 03:00:00 GMT')).toBe('2024-02-21'); // 22:00 the day before in Montréal
    expect(machineDate('2024-02-22T15:00:00Z')).toBe('2024-02-22');
    expect(machineDate('pas une date')).toBeNull();
  });
});

describe('reference matching', () => {
  it('is case-insensitive and tolerant of spaces and dashes', () => {
    for (const t of ['PX-7K3M-9Q2D', 'px 7k3m 9q2d', 'PX7K3M9Q2D', 'code: Px - 7K3M - 9q2d.'])
      expect(mentions(t, 'PX-7K3M-9Q2D')).toBe(true);
    expect(mentions('PX-7K3M-9Q2E', 'PX-7K3M-9Q2D')).toBe(false);
  });
  it('finds many codes in one pass, each agreement once', () => {
    const idx = new ReferenceIndex();
    for (let i = 0; i < 10_000; i++)
      idx.add({
        agreementId: `a${i}`,
        startDate: '2024-01-01',
        code: `PX-${String(i).padStart(4, '0')}-ZZZZ`,
        kind: 'referenceCode',
      });
    idx.add({ agreementId: 'a7', startDate: '2024-01-01', code: 'FQ-2027-0042', kind: 'externalRef' });
    const hits = idx.find('Voir px 0007 zzzz et PX-0042-ZZZZ, aussi FQ 2027 0042.');
    expect(hits.map((h) => [h.agreementId, h.kind]).sort()).toEqual([
      ['a42', 'referenceCode'],
      ['a7', 'referenceCode'],
    ]);
  });
});

describe('host policy (SSRF boundary)', () => {
  const p = new HostPolicy('https://praxis.encommun.io');
  it.each([
    ['https://praxis.encommun.io/n/abc123/', true, null],
    ['http://PRAXIS.encommun.io./n/abc123/', true, null],
    ['https://evil.example/n/abc123/', false, 'other_host'],
    ['https://praxis.encommun.io.evil.example/n/x/', false, 'other_host'],
    ['https://10.0.0.1/n/x/', false, 'ip_literal'],
    ['http://[::1]/n/x/', false, 'ip_literal'],
    ['http://0x7f000001/n/x/', false, 'ip_literal'],
    ['https://user:pw@praxis.encommun.io/n/x/', false, 'credentials'],
    ['https://praxis.encommun.io:8443/n/x/', false, 'port'],
    ['file:///etc/passwd', false, 'scheme'],
    ['pas une url', false, 'invalid_url'],
  ])('%s → %s', (url, allowed, reason) => {
    const d = p.check(url);
    expect(d.allowed).toBe(allowed);
    if (!d.allowed) expect(d.reason).toBe(reason);
    else expect(d.url.origin).toBe('https://praxis.encommun.io');
  });
});

describe('note page reader', () => {
  it('extracts title, text, metadata date, visibility and ignores scripts', () => {
    const c =
      readNotePage(`<html><head><title>X · Praxis</title><meta property="article:published_time" content="2024-02-22T10:00:00-05:00">
      <script>var code = "PX-SECRET-0000";</script></head><body><h1>Bilan &amp; suite</h1><p>Code PX-7K3M-9Q2D</p><p>Visibilité public</p></body></html>`);
    expect(c).toMatchObject({
      title: 'Bilan & suite',
      publishedOn: '2024-02-22',
      publishedSource: 'meta',
      visibility: 'public',
      loginForm: false,
    });
    expect(c.text).toContain('PX-7K3M-9Q2D');
    expect(c.text).not.toContain('SECRET');
  });
  it('falls back to JSON-LD, then to the Publication line; recognises a login form and a private note', () => {
    expect(
      readNotePage('<script type="application/ld+json">{"datePublished":"2024-01-05"}</script><p>x</p>').publishedOn,
    ).toBe('2024-01-05');
    expect(readNotePage('<p>Publication 22 février 2024</p>')).toMatchObject({
      publishedOn: '2024-02-22',
      publishedSource: 'page_line',
    });
    expect(readNotePage('<form><input type="password"></form>').loginForm).toBe(true);
    expect(readNotePage('<p>Visibilité privée</p>').visibility).toBe('private');
  });
  it('tolerates broken markup', () => {
    expect(readNotePage('<div <<p>Code PX-1<b>23</i> <article').text).toContain('PX-1');
  });
});

describe('feed parsing', () => {
  it('reads RSS 2.0 and Atom, dedupes GUIDs, keeps items without dates', () => {
    const rss = parseFeed(
      `<rss version="2.0"><channel><item><guid>a</guid><link>https://p/n/a/</link><title>A</title></item>
      <item><guid>a</guid><link>https://p/n/a/</link></item><item><link>https://p/n/b/</link><pubDate>Thu, 22 Feb 2024 15:00:00 GMT</pubDate></item></channel></rss>`,
      100,
    );
    expect(rss.duplicates).toBe(1);
    expect(rss.items.map((i) => [i.key, i.publishedOn])).toEqual([
      ['a', null],
      ['https://p/n/b/', '2024-02-22'],
    ]);
    const atom = parseFeed(
      `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:1</id><link rel="alternate" href="https://p/n/c/"/><published>2024-03-01T12:00:00Z</published></entry></feed>`,
      100,
    );
    expect(atom.items).toEqual([
      expect.objectContaining({ key: 'urn:1', link: 'https://p/n/c/', publishedOn: '2024-03-01' }),
    ]);
  });
  it('refuses malformed XML and entity declarations, and caps the item count', () => {
    expect(() => parseFeed('<rss><channel><item></channel>', 10)).toThrow(/malformed XML/);
    expect(() => parseFeed('<!DOCTYPE x [<!ENTITY a "aaaa">]><rss/>', 10)).toThrow(/entities/);
    const many = `<rss><channel>${Array.from({ length: 50 }, (_, i) => `<item><guid>${i}</guid></item>`).join('')}</channel></rss>`;
    expect(parseFeed(many, 20)).toMatchObject({ truncated: 30 });
  });
});
