import type { Locale } from '@pc/service-kit';
import { daysBetween, longDate, relativeDays } from '../domain/calendar';
import { firmest, toneOf, type ReminderStage, type Tone } from '../domain/reminder';
import { messages } from './messages';

export interface DirectoryNames {
  funders: Map<string, { name: string }>;
  programmes: Map<string, { name: string; code: string }>;
}

export interface DigestInput {
  locale: Locale;
  contactName: string;
  stages: ReminderStage[];
  directory: DirectoryNames;
  publicBaseUrl: string;
  /**
   * the contact's link token (service-kit `signContactLink`, 14 days): every link of the message opens
   * the grantee page signed in as that contact. Absent on a funder's copy (the funder gets no access).
   */
  contactToken?: string | null;
  /** set when the message is the copy a funder receives of a contact's final reminder */
  copyOf?: { granteeName: string } | null;
  /** the funder's report recipients are in Cc */
  copiedToFunder?: boolean;
}

export interface ObligationView {
  kind: string;
  dueDate: string;
  when: string;
  late: boolean;
  tone: Tone;
  toneText: string;
  link: string;
}
export interface AgreementView {
  title: string;
  externalRef: string;
  referenceCode: string;
  programme: string;
  grantee: string;
  obligations: ObligationView[];
}
export interface FunderView {
  name: string;
  agreements: AgreementView[];
}
export interface DigestView {
  lang: Locale;
  subject: string;
  greeting: string;
  intro: string;
  notice: string | null;
  funders: FunderView[];
  t: (typeof messages)[Locale];
  steps: { n: number; text: string }[];
  pageLink: string;
}

const byText = (a: string, b: string): number => a.localeCompare(b, 'fr');

/** Links into the grantee web pages (the web service), each carrying the contact's token when there is one. */
export const granteeLinks = (base: string, token?: string | null) => {
  const q = token ? `?acces=${encodeURIComponent(token)}` : '';
  return {
    page: `${base.replace(/\/+$/, '')}/grantee${q}`,
    obligation: (id: string) => `${base.replace(/\/+$/, '')}/grantee/obligations/${id}${q}`,
  };
};

/** Groups a digest's stages by funder then agreement, with every text in the recipient's locale. */
export function digestView(input: DigestInput): DigestView {
  const t = messages[input.locale];
  const links = granteeLinks(input.publicBaseUrl, input.contactToken);
  const funders = new Map<string, FunderView & { agreementsById: Map<string, AgreementView> }>();
  const sorted = [...input.stages].sort(
    (a, b) => byText(a.obligation.dueDate, b.obligation.dueDate) || byText(a.obligation.id, b.obligation.id),
  );
  for (const s of sorted) {
    const a = s.agreement;
    let f = funders.get(a.funderId);
    if (!f) {
      f = {
        name: input.directory.funders.get(a.funderId)?.name ?? a.programmeCode,
        agreements: [],
        agreementsById: new Map(),
      };
      funders.set(a.funderId, f);
    }
    let ag = f.agreementsById.get(a.id);
    if (!ag) {
      const p = input.directory.programmes.get(a.programmeId);
      ag = {
        title: a.title,
        externalRef: a.externalRef,
        referenceCode: a.referenceCode,
        grantee: s.grantee.name,
        programme: p ? `${p.name} (${p.code})` : a.programmeCode,
        obligations: [],
      };
      f.agreementsById.set(a.id, ag);
      f.agreements.push(ag);
    }
    const days = daysBetween(s.asOf, s.obligation.dueDate);
    const tone = toneOf(s);
    ag.obligations.push({
      kind: t.kind[s.obligation.kind] + (s.obligation.sequence > 1 ? t.number(s.obligation.sequence) : ''),
      dueDate: longDate(s.obligation.dueDate, input.locale),
      when: relativeDays(days, input.locale),
      late: days < 0,
      tone,
      toneText: t.tone[tone],
      link: links.obligation(s.obligation.id),
    });
  }
  const funderViews: FunderView[] = [...funders.values()]
    .map((f) => ({
      name: f.name,
      agreements: [...f.agreements].sort((x, y) => byText(x.title, y.title) || byText(x.externalRef, y.externalRef)),
    }))
    .sort((x, y) => byText(x.name, y.name));
  const n = input.stages.length;
  const tone = firmest(input.stages.map(toneOf));
  const granteeName = input.copyOf?.granteeName;
  return {
    lang: input.locale,
    subject: t.subject(tone, n),
    greeting: granteeName !== undefined ? '' : t.greeting(input.contactName),
    intro: granteeName !== undefined ? t.copyIntro(input.contactName, granteeName) : t.intro(n),
    notice: input.copiedToFunder ? t.ccNotice : null,
    funders: funderViews,
    t,
    steps: t.howTo.map((text, i) => ({ n: i + 1, text })),
    pageLink: links.page,
  };
}
