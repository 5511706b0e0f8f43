import { escapeText, foldLine, renderCalendar } from '../src/domain/calendar';

const ob = {
  id: '0b6f3f0e-3c1a-4b2e-9a55-1f2d3c4b5a69',
  kind: 'learning_note',
  dueDate: '2027-07-15',
  status: 'due_soon',
  updatedAt: new Date('2027-06-01T12:34:56.789Z'),
  title: 'Cuisine collective; quartier, Limoilou\\nord',
  referenceCode: 'PX-7K3M-9Q2D',
  externalRef: 'FQ-2027-0042',
};

describe('iCalendar rendering (RFC 5545)', () => {
  it('escapes backslash, semicolon, comma and newlines in TEXT', () => {
    expect(escapeText('a\\b;c,d\ne')).toBe('a\\\\b\\;c\\,d\\ne');
  });

  it('folds lines at 75 octets without splitting a UTF-8 character', () => {
    const line = 'SUMMARY:' + 'é'.repeat(100);
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const [i, p] of parts.entries()) {
      expect(Buffer.byteLength(p, 'utf8')).toBeLessThanOrEqual(75);
      if (i > 0) expect(p.startsWith(' ')).toBe(true);
      expect(p).not.toContain('\uFFFD');
    }
    expect(parts.map((p, i) => (i ? p.slice(1) : p)).join('')).toBe(line); // unfolding restores it
    expect(foldLine('SHORT:x')).toBe('SHORT:x');
  });

  it('renders a calendar with one all-day event per obligation, stable UID, CRLF, French by default', () => {
    const ics = renderCalendar([ob]);
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/\n/); // every line ends with CRLF
    const unfolded = ics.replace(/\r\n /g, '');
    const lines = unfolded.split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines).toContain('VERSION:2.0');
    expect(lines.some((l) => l.startsWith('PRODID:'))).toBe(true);
    expect(lines).toContain('UID:0b6f3f0e-3c1a-4b2e-9a55-1f2d3c4b5a69@praxis-compliance.encommun.io');
    expect(lines).toContain('DTSTART;VALUE=DATE:20270715');
    expect(lines).toContain('DTEND;VALUE=DATE:20270716');
    expect(lines).toContain('DTSTAMP:20270601T123456Z');
    const summary = lines.find((l) => l.startsWith('SUMMARY:'))!;
    expect(summary).toBe(
      "SUMMARY:Praxis : note d'apprentissage à publier — Cuisine collective\\; quartier\\, Limoilou\\\\nord (PX-7K3M-9Q2D)",
    );
    expect(lines.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(1);
    expect(lines.at(-2)).toBe('END:VCALENDAR');
    for (const l of ics.split('\r\n')) expect(Buffer.byteLength(l, 'utf8')).toBeLessThanOrEqual(75);
    expect(renderCalendar([ob])).toBe(ics); // stable output
  });

  it('renders English on request', () => {
    const ics = renderCalendar([ob], 'en').replace(/\r\n /g, '');
    expect(ics).toContain('SUMMARY:Praxis: learning note due');
  });
});
