import { humanDate, machineDate, publicationLine } from '../src/domain/dates';
import { ReferenceIndex, mentions } from '../src/domain/references';
import { HostPolicy } from '../src/domain/host-policy';
import { parseRobots, retryAfterMs, requestInterval, userAgent } from '../src/domain/politeness';
import { mentionCheck } from '../src/domain/checks';
import { evidenceVerdict } from '../src/domain/evidence-withdrawal';
import { htmlText, readNotePage } from '../src/adapters/html';
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
    for (const t of [
      'PX-7K3M-9Q2D',
      'px 7k3m 9q2d',
      'PX7K3M9Q2D',
      'code: Px - 7K3M - 9q2d.',
      '(PX\u20117K3M\u20139Q2D)',
    ])
      expect(mentions(t, 'PX-7K3M-9Q2D', 'referenceCode')).toBe(true);
    expect(mentions('PX-7K3M-9Q2E', 'PX-7K3M-9Q2D', 'referenceCode')).toBe(false);
  });

  // [text, code, kind, found]
  it.each<[string, string, 'referenceCode' | 'externalRef', boolean]>([
    // whole tokens only: a code glued to a word or continued by a dash is another code
    ['Voir PX-7K3M-9Q2DX', 'PX-7K3M-9Q2D', 'referenceCode', false],
    ['XPX-7K3M-9Q2D', 'PX-7K3M-9Q2D', 'referenceCode', false],
    ['PX-7K3M-9Q2D-2 est un autre code', 'PX-7K3M-9Q2D', 'referenceCode', false],
    ['projet-PX-7K3M-9Q2D', 'PX-7K3M-9Q2D', 'referenceCode', false],
    ['Code PX-7K3M-9Q2D, bilan 2024', 'PX-7K3M-9Q2D', 'referenceCode', true],
    ['fin de phrase : PX-7K3M-9Q2D.', 'PX-7K3M-9Q2D', 'referenceCode', true],
    ['« PX 7K3M 9Q2D »', 'PX-7K3M-9Q2D', 'referenceCode', true],
    ['PX-7K3M-9Q2D - 2024', 'PX-7K3M-9Q2D', 'referenceCode', true],
    // other punctuation inside a code is not a separator, unless the code itself has it
    ['PX.7K3M.9Q2D', 'PX-7K3M-9Q2D', 'referenceCode', false],
    ['Dossier FQ/2027/0042', 'FQ/2027/0042', 'externalRef', true],
    ['Dossier FQ 2027 0042', 'FQ/2027/0042', 'externalRef', true],
    // non-ASCII letters are letters: they neither vanish nor stand for ASCII look-alikes
    ['ÀPX-7K3M-9Q2D', 'PX-7K3M-9Q2D', 'referenceCode', false],
    ['РХ-7К3М-9Q2D', 'PX-7K3M-9Q2D', 'referenceCode', false], // Cyrillic look-alikes
    ['ЖAB-123 est collé à un mot', 'AB-123', 'externalRef', false],
    ['Référence Québec-2024', 'QUEBEC-2024', 'externalRef', true], // accents folded
    // the funder's externalRef: a whole token of at least 5 letters and digits
    ['Bilan de la 1re année', 'A-1', 'externalRef', false],
    ['Voir A-1 plus bas', 'A-1', 'externalRef', false],
    ['Voir A-123 plus bas', 'A-123', 'externalRef', false],
    ['Voir AB-123 plus bas', 'AB-123', 'externalRef', true],
    ['Numéro FA 2024 1', 'FA-2024-1', 'externalRef', true],
    ['Numéro FA-2024-12', 'FA-2024-1', 'externalRef', false],
    ['Numéro XFA-2024-1', 'FA-2024-1', 'externalRef', false],
    ['FQ-2027-0042-B', 'FQ-2027-0042', 'externalRef', false],
    ['fq 2027 0042', 'FQ-2027-0042', 'externalRef', true],
  ])('%s ∋ %s (%s) → %s', (text, code, kind, found) => expect(mentions(text, code, kind)).toBe(found));

  it("mentions_reference passes on the system's code or a long enough funder reference, never on a short one", () => {
    const a = { referenceCode: 'PX-7K3M-9Q2D', externalRef: 'A-1' };
    expect(mentionCheck('Bilan de la 1re année', a, 'fr')).toMatchObject({ passed: false });
    // the short reference is not offered to the grantee as one that would count
    expect(mentionCheck('Bilan de la 1re année', a, 'en').detail).toBe(
      "The note does not mention the agreement's reference (PX-7K3M-9Q2D).",
    );
    expect(mentionCheck('Code px 7k3m 9q2d', a, 'fr')).toMatchObject({ passed: true });
    expect(mentionCheck('Dossier FQ-2027-0042', { ...a, externalRef: 'FQ-2027-0042' }, 'fr')).toMatchObject({
      passed: true,
    });
  });

  it('a short funder reference keeps no note as evidence once the code is gone', () => {
    const page = (text: string) =>
      ({
        kind: 'public',
        url: 'https://praxis.encommun.io/n/abcd/',
        noteId: 'abcd',
        httpStatus: 200,
        content: { title: 't', text, publishedOn: null, publishedSource: null, visibility: 'public', loginForm: false },
      }) as const;
    const matched = [{ id: 'a1', referenceCode: 'PX-7K3M-9Q2D', externalRef: 'A-1' }];
    expect(evidenceVerdict('public', page('Bilan de la 1re année'), matched)).toMatchObject({
      kind: 'withdrawn',
      reason: 'reference_removed',
    });
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
    idx.add({ agreementId: 'short', startDate: '2024-01-01', code: 'A-1', kind: 'externalRef' });
    const hits = idx.find('Voir px 0007 zzzz et PX-0042-ZZZZ, aussi FQ 2027 0042, la 1re fois, PX-0043-ZZZZX.');
    expect(hits.map((h) => [h.agreementId, h.kind]).sort()).toEqual([
      ['a42', 'referenceCode'],
      ['a7', 'referenceCode'],
    ]);
    expect(idx.find('Dossier FQ-2027-0042')).toEqual([
      expect.objectContaining({ agreementId: 'a7', kind: 'externalRef' }),
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
    ['gopher://praxis.encommun.io/n/x/', false, 'scheme'],
    ['pas une url', false, 'invalid_url'],
    // a path starting with // is another host to whoever re-reads the path (the feed SSRF)
    ['https://praxis.encommun.io//127.0.0.1:8080/x.xml', false, 'path'],
    ['https://praxis.encommun.io//evil.example/n/x/', false, 'path'],
    ['https://praxis.encommun.io/\\evil.example/n/x/', false, 'path'],
    ['https://praxis.encommun.io\\@evil.example/n/x/', false, 'path'],
    ['https://praxis.encommun.io/n/x/\t', true, null],
    ['https://praxis.encommun.io/n/x\n/', false, 'invalid_url'],
    ['https://praxis.encommun.io:443/n/abc123/', true, null],
    ['https://praxis.encommun.io/a//b/', true, null],
  ])('%s → %s', (url, allowed, reason) => {
    const d = p.check(url);
    expect(d.allowed).toBe(allowed);
    if (!d.allowed) expect(d.reason).toBe(reason);
    else {
      expect(d.url.origin).toBe('https://praxis.encommun.io');
      expect(p.owns(d.url)).toBe(true);
    }
  });
  it('resolves a redirect against the page it came from, under the same rule', () => {
    const from = new URL('https://praxis.encommun.io/n/abc/');
    expect(p.check('/n/def/', from)).toMatchObject({ allowed: true });
    expect(p.check('//127.0.0.1:9/x', from)).toMatchObject({ allowed: false, reason: 'ip_literal' });
    expect(p.check('//evil.example/x', from)).toMatchObject({ allowed: false, reason: 'other_host' });
  });
  it('owns only URLs on the configured origin', () => {
    expect(p.owns(new URL('https://praxis.encommun.io/n/x/'))).toBe(true);
    expect(p.owns(new URL('http://praxis.encommun.io/n/x/'))).toBe(false);
    expect(p.owns(new URL('https://praxis.encommun.io:8443/n/x/'))).toBe(false);
    expect(p.owns(new URL('https://u:p@praxis.encommun.io/n/x/'))).toBe(false);
    expect(p.owns(new URL('https://127.0.0.1/n/x/'))).toBe(false);
    const sneaky = new URL('https://praxis.encommun.io/x');
    sneaky.pathname = '//127.0.0.1/x';
    expect(p.owns(sneaky)).toBe(false);
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

describe("a feed item's own text", () => {
  const rss = (items: string) =>
    `<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>${items}</channel></rss>`;
  it('reads content:encoded, Atom content (html, xhtml) and description, markup removed', () => {
    const [full] = parseFeed(
      rss(
        `<item><guid>a</guid><description>Résumé</description><content:encoded><![CDATA[<p>Code <b>PX-7K3M-9Q2D</b> &amp; suite</p><script>x()</script>]]></content:encoded></item>`,
      ),
      10,
    ).items;
    expect(full).toMatchObject({ text: 'Code PX-7K3M-9Q2D & suite', textComplete: true });
    const atom = parseFeed(
      `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><content type="html">&lt;p&gt;Code PX-AAAA-0001&lt;/p&gt;</content></entry>
       <entry><id>2</id><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Voir <em>PX-BBBB-0002</em></p></div></content></entry>
       <entry><id>3</id><content src="https://p/n/x/"/><summary>Court</summary></entry></feed>`,
      10,
    ).items;
    expect(atom.map((i) => [i.text.replace(/\s+/g, ' '), i.textComplete])).toEqual([
      ['Code PX-AAAA-0001', true],
      [expect.stringContaining('PX-BBBB-0002'), true],
      ['Court', true],
    ]);
  });
  it('cannot tell from a summary marked as cut, a summary cut at a fixed length, or no text at all', () => {
    const marked = parseFeed(
      rss(
        `<item><guid>a</guid><description>Le début de la note …</description></item><item><guid>b</guid><description>Début [...]</description></item>
         <item><guid>c</guid><description>Une note courte et entière.</description></item><item><guid>d</guid><title>Titre seul</title></item>`,
      ),
      10,
    ).items;
    expect(marked.map((i) => i.textComplete)).toEqual([false, false, true, false]);
    // Four summaries all cut at 100 characters, one short note: only the short one is whole.
    const cut = (n: number) =>
      `<item><guid>${n}</guid><description>${'mot '.repeat(40).slice(0, 100)}</description></item>`;
    const items = parseFeed(
      rss(`${cut(1)}${cut(2)}${cut(3)}${cut(4)}<item><guid>5</guid><description>Courte.</description></item>`),
      10,
    ).items;
    expect(items.map((i) => i.textComplete)).toEqual([false, false, false, false, true]);
  });
  it('changes the fingerprint when only the content changes', () => {
    const one = (body: string) =>
      parseFeed(rss(`<item><guid>a</guid><content:encoded>${body}</content:encoded></item>`), 10).items[0]!;
    expect(one('avant').fingerprint).not.toBe(one('après').fingerprint);
  });
  it('htmlText keeps blocks apart', () => {
    expect(htmlText('<p>a</p><p>b</p>')).toBe('a\nb');
  });
});

describe('politeness rules', () => {
  it('names the system, its version and a contact URL in the User-Agent', () => {
    expect(userAgent('0.1.0', 'https://example.org/contact')).toBe(
      'praxis-compliance/0.1.0 (+https://example.org/contact)',
    );
  });
  it('spaces requests a little more than 1/maxRps', () => {
    expect(requestInterval(5)).toBeGreaterThan(200);
    expect(requestInterval(5)).toBeLessThan(250);
  });
  it.each<[string | undefined, number | null]>([
    ['2', 2000],
    ['0', 0],
    [' 120 ', 120_000],
    [new Date(Date.UTC(2026, 0, 1, 0, 0, 30)).toUTCString(), 30_000],
    [new Date(Date.UTC(2025, 11, 31)).toUTCString(), 0], // a date already past: no wait
    ['bientôt', null],
    [undefined, null],
  ])('Retry-After %s → %s ms', (v, ms) => expect(retryAfterMs(v, Date.UTC(2026, 0, 1))).toBe(ms));

  const robots = `# comment
User-agent: *
Disallow: /prive/
Allow: /prive/public/

User-agent: Googlebot
User-agent: praxis-compliance
Disallow: /n/secret*
Disallow: /*.pdf$
Allow: /n/secret-ok/

User-agent: other
Disallow: /
`;
  it.each<[string, string, boolean]>([
    ['our group', '/n/abc/', true],
    ['our group: prefix with a wildcard', '/n/secret-1/', false],
    ['our group: the longest rule wins', '/n/secret-ok/', true],
    ['our group: an anchored pattern', '/doc.pdf', false],
    ['our group: an anchored pattern, not at the end', '/doc.pdf?x=1', true],
    ['the * group does not apply when a group names us', '/prive/x', true],
    ['robots.txt itself', '/robots.txt', true],
  ])('%s: %s → %s', (_, path, allowed) => expect(parseRobots(robots).allows(path)).toBe(allowed));
  it('falls back to the * group, then to no rules; percent-encoding is compared decoded', () => {
    const star = parseRobots('User-agent: *\nDisallow: /prive/\nAllow: /prive/public/\n');
    expect(star.allows('/prive/x')).toBe(false);
    expect(star.allows('/prive/public/x')).toBe(true);
    expect(star.allows('/%70rive/x')).toBe(false); // %70 = p
    expect(parseRobots('User-agent: other\nDisallow: /\n').allows('/n/x/')).toBe(true);
    expect(parseRobots('').allows('/n/x/')).toBe(true);
    expect(parseRobots('User-agent: PRAXIS-COMPLIANCE/2\nDisallow: /\n').allows('/n/x/')).toBe(false);
    // an empty Disallow allows all and does not merge the next group into ours
    expect(
      parseRobots('User-agent: praxis-compliance\nDisallow:\n\nUser-agent: *\nDisallow: /\n').allows('/n/x/'),
    ).toBe(true);
    expect(parseRobots('User-agent: a\nDisallow:\nUser-agent: *\nDisallow: /n/\n').allows('/n/x/')).toBe(false);
  });
});
