import { longDate, relativeDays, daysBetween } from '../src/domain/calendar';
import { parseSendWindow, windowState } from '../src/domain/send-window';
import { classifyFailure, backoffMs } from '../src/domain/delivery-verdict';
import { digestMessageId } from '../src/domain/ids';
import { renderDigest, type RenderedEmail } from '../src/templates/render';
import type { ReminderStage } from '../src/domain/reminder';
import type { DirectoryNames } from '../src/templates/view';

const F1 = '11111111-1111-4111-8111-111111111111';
const F2 = '22222222-2222-4222-8222-222222222222';
const directory: DirectoryNames = {
  funders: new Map([
    [F1, { name: 'Fondation Lucie-et-André Chagnon' }],
    [F2, { name: 'Fonds de recherche du Québec' }],
  ]),
  programmes: new Map([['33333333-3333-4333-8333-333333333333', { name: 'Savoirs ouverts', code: 'SAV-2026' }]]),
};
function stage(over: {
  funderId?: string;
  title?: string;
  ref?: string;
  code?: string;
  dueDate: string;
  asOf?: string;
  kind?: ReminderStage['obligation']['kind'];
  seq?: number;
  escalate?: boolean;
  n: number;
}): ReminderStage {
  const hex = String(over.n).padStart(12, '0');
  return {
    reminderId: `aaaaaaaa-0000-4000-8000-${hex}`,
    runId: 'bbbbbbbb-0000-4000-8000-000000000000',
    asOf: over.asOf ?? '2027-06-15',
    stage: { key: 'd-30', offsetDays: -30, escalate: over.escalate ?? false },
    skippedStages: [],
    obligation: {
      id: `cccccccc-0000-4000-8000-${hex}`,
      kind: over.kind ?? 'learning_note',
      sequence: over.seq ?? 1,
      dueDate: over.dueDate,
      status: 'due_soon',
    },
    agreement: {
      id: `dddddddd-0000-4000-8000-${over.ref === 'FRQ-7' ? '000000000002' : '000000000001'}`,
      funderId: over.funderId ?? F1,
      programmeId: '33333333-3333-4333-8333-333333333333',
      programmeCode: 'SAV-2026',
      title: over.title ?? 'Cuisine collective',
      externalRef: over.ref ?? 'CH-2026-001',
      referenceCode: over.code ?? 'PX-7K3M-9Q2D',
    },
    grantee: { id: 'eeeeeeee-0000-4000-8000-000000000000', name: 'Centre communautaire Hochelaga' },
  };
}
const stages = [
  stage({ n: 1, dueDate: '2027-07-15' }),
  stage({ n: 2, dueDate: '2027-07-01', kind: 'mid_term_note', seq: 2 }),
  stage({
    n: 3,
    dueDate: '2027-06-10',
    funderId: F2,
    title: 'Open data lab',
    ref: 'FRQ-7',
    code: 'PX-AAAA-BBBB',
    kind: 'final_note',
  }),
];

describe('dates as a Québec reader writes them', () => {
  it.each([
    ['2027-07-15', 'fr', '15 juillet 2027'],
    ['2027-07-01', 'fr', '1er juillet 2027'],
    ['2027-12-31', 'fr', '31 décembre 2027'],
    ['2027-07-15', 'en', 'July 15, 2027'],
    ['2027-07-01', 'en', 'July 1, 2027'],
  ] as const)('%s in %s → %s', (d, l, expected) => {
    expect(longDate(d, l)).toBe(expected);
  });
  it.each([
    [12, 'fr', 'dans 12 jours'],
    [1, 'fr', 'demain'],
    [0, 'fr', 'aujourd’hui'],
    [-1, 'fr', 'en retard d’un jour'],
    [-5, 'fr', 'en retard de 5 jours'],
    [12, 'en', 'in 12 days'],
    [1, 'en', 'tomorrow'],
    [0, 'en', 'today'],
    [-1, 'en', '1 day late'],
    [-5, 'en', '5 days late'],
  ] as const)('%i days in %s → %s', (n, l, expected) => {
    expect(relativeDays(n, l)).toBe(expected);
  });
  it('counts calendar days across months and DST', () => {
    expect(daysBetween('2027-03-01', '2027-03-31')).toBe(30);
    expect(daysBetween('2027-07-15', '2027-07-10')).toBe(-5);
  });
});

describe('digest templates', () => {
  /** The subject, each line, the HTML language, and both parts against their snapshots. */
  function expectDigest(mail: RenderedEmail, lang: 'fr' | 'en', subject: string, lines: string[]): void {
    expect(mail.subject).toBe(subject);
    for (const line of lines) expect(mail.text).toContain(line);
    expect(mail.html).toContain(`<html lang="${lang}">`);
    expect(mail.text).toMatchSnapshot(`${lang} text`);
    expect(mail.html).toMatchSnapshot(`${lang} html`);
  }

  it('renders French (default) with dates, codes, days left/late, links — snapshot', () => {
    const mail = renderDigest({
      locale: 'fr',
      contactName: 'Alex Tremblay',
      stages,
      directory,
      publicBaseUrl: 'https://conformite.example.org/',
    });
    expect(mail.text.indexOf('Fondation Lucie')).toBeLessThan(mail.text.indexOf('Fonds de recherche'));
    expectDigest(mail, 'fr', 'En retard : 3 notes à publier sur Praxis', [
      '15 juillet 2027 (dans 30 jours)',
      '1er juillet 2027 (dans 16 jours)',
      '10 juin 2027 (en retard de 5 jours)',
      'Note de mi-parcours (no 2)',
      'PX-7K3M-9Q2D',
      'https://conformite.example.org/grantee/obligations/cccccccc-0000-4000-8000-000000000001',
      'Savoirs ouverts (SAV-2026)',
    ]);
  });

  it('renders English with "July 15, 2027" — snapshot', () => {
    const mail = renderDigest({
      locale: 'en',
      contactName: 'Alex Tremblay',
      stages,
      directory,
      publicBaseUrl: 'https://conformite.example.org',
    });
    expectDigest(mail, 'en', 'Overdue: 3 notes to publish on Praxis', [
      'Due: July 15, 2027 (in 30 days)',
      'June 10, 2027 (5 days late)',
      'Code to write in the note: PX-AAAA-BBBB',
    ]);
  });

  it('escapes HTML in a contact name, titles and codes in the HTML part (and keeps the text part literal)', () => {
    const evil = '<img src=x onerror="alert(1)">Bob & <b>Co</b>';
    const mail = renderDigest({
      locale: 'fr',
      contactName: evil,
      stages: [stage({ n: 9, dueDate: '2027-07-15', title: '<script>x()</script>' })],
      directory,
      publicBaseUrl: 'https://x.example',
    });
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain(
      '&lt;img src&#x3D;x onerror&#x3D;&quot;alert(1)&quot;&gt;Bob &amp; &lt;b&gt;Co&lt;/b&gt;',
    );
    expect(mail.text).toContain(`Bonjour ${evil},`);
  });

  it('escalates the wording politely from a friendly reminder to the final one', () => {
    const fr = (s: ReminderStage) =>
      renderDigest({ locale: 'fr', contactName: 'A', stages: [s], directory, publicBaseUrl: 'https://x' }).subject;
    expect(fr(stage({ n: 1, dueDate: '2027-07-15', asOf: '2027-06-15' }))).toMatch(/^Rappel/);
    expect(fr(stage({ n: 1, dueDate: '2027-07-15', asOf: '2027-07-10' }))).toMatch(/^Échéance proche/);
    expect(fr(stage({ n: 1, dueDate: '2027-07-15', asOf: '2027-07-20' }))).toMatch(/^En retard/);
    expect(fr(stage({ n: 1, dueDate: '2027-07-15', asOf: '2027-08-01', escalate: true }))).toMatch(/^Dernier rappel/);
  });
});

describe('send window, failures, ids', () => {
  const w = parseSendWindow('08:00-20:00 America/Montreal');
  it('is open inside the window and tells when it opens otherwise', () => {
    expect(windowState(new Date('2027-07-15T16:00:00Z'), w)).toEqual({ open: true }); // 12:00 EDT
    const closed = windowState(new Date('2027-07-15T02:30:00Z'), w); // 22:30 EDT
    expect(closed).toEqual({ open: false, opensAt: new Date('2027-07-15T12:00:00Z') }); // 08:00 EDT
    expect(windowState(new Date('2027-01-15T12:59:00Z'), w).open).toBe(false); // 07:59 EST
    expect(windowState(new Date('2027-01-15T02:00:00Z'), parseSendWindow('20:00-06:00')).open).toBe(true); // 21:00 EST, across midnight
    expect(windowState(new Date(), null)).toEqual({ open: true });
  });
  it('refuses a malformed window with a clear message', () => {
    expect(() => parseSendWindow('8h-20h')).toThrow(/08:00-20:00/);
    expect(() => parseSendWindow('08:00-20:00 Mars/Olympus')).toThrow(/unknown time zone/);
  });
  it('classifies SMTP failures: 5xx permanent, 4xx and connection errors temporary', () => {
    expect(classifyFailure({ responseCode: 550, message: '' })).toBe('permanent');
    expect(classifyFailure({ responseCode: 451, message: '' })).toBe('temporary');
    expect(classifyFailure({ code: 'ECONNECTION', message: 'connect ECONNREFUSED' })).toBe('temporary');
    expect([1, 2, 3, 10].map((n) => backoffMs(n, 1000, 5000))).toEqual([1000, 2000, 4000, 5000]);
  });
  it('derives stable Message-IDs whatever the order of the ledger rows (ids: eventId, tested in @pc/bus)', () => {
    expect(digestMessageId(['x', 'y'], 'd.example')).toBe(digestMessageId(['y', 'x'], 'd.example'));
    expect(digestMessageId(['x', 'y'], 'd.example')).toMatch(/^<reminder\.[0-9a-f]{40}@d\.example>$/);
  });
});
