/**
 * The pipeline bench's workload (pure): a CSV of agreements whose due dates are chosen around the
 * evaluation day, so that the contacts due for a reminder are known before anything runs, and the
 * agreements whose grantees later publish a Praxis note that mentions their reference code.
 */
import { addDays, DEFAULT_STAGES } from '@pc/lifecycle';
import { CENTS_COLUMNS } from '../../services/agreements/src/domain/csv-columns';

export const PROGRAMME_CODE = 'PIPELINE';

/** The CSV columns of `POST /v1/agreements/import`: the agreement, then one contact and one requirement a row. */
export const CSV_HEADER = CENTS_COLUMNS;

export interface Workload {
  asOf: string;
  csv: string;
  /** data rows (two per agreement) */
  rows: number;
  obligations: number;
  /** every address that must receive exactly one digest from the evaluation as of `asOf` */
  dueContacts: Set<string>;
  /** obligations with a reminder stage due as of `asOf` */
  dueObligations: number;
  externalRef(i: number): string;
  /** the agreements (by index) whose grantee publishes a note mentioning its reference code */
  withNote: number[];
}

/**
 * Whether an open obligation due on `dueDate` gets a reminder from an evaluation as of `asOf`: some
 * stage of the policy has been reached (the evaluation then sends the latest one). The programme
 * is registered without a policy, so the default stages apply.
 */
export function hasStageDue(dueDate: string, asOf: string): boolean {
  return DEFAULT_STAGES.some((s) => addDays(dueDate, s.offsetDays) <= asOf);
}

const email = (k: string): string => `personne.${k}@organisme.example`;

/**
 * `n` agreements (two obligations each) for the evaluation day `asOf`:
 *  - 1 in 7 has its learning note due in 5 days (stage D-7), half of those also the mid-term note in
 *    20 days (stage D-30: two stages, still one digest);
 *  - 1 in 13 has its mid-term note 3 days overdue (stage D0);
 *  - every other due date lies beyond the earliest stage (no reminder);
 *  - 1 in 5 shares its contact with the agreement before it (one person, two grantees: one digest);
 *  - 1 in 10 has a second contact (both get a digest);
 *  - 1 in 10 (other ones) will have a Praxis note mentioning its reference code.
 */
export function buildWorkload(n: number, asOf: string, tag: string): Workload {
  const start = addDays(asOf, -200);
  const end = addDays(asOf, 300);
  const signed = addDays(start, -10);
  const externalRef = (i: number): string => `PL-${tag}-${String(i).padStart(6, '0')}`;
  const lines: string[] = [CSV_HEADER.join(',')];
  const dueContacts = new Set<string>();
  const withNote: number[] = [];
  let dueObligations = 0;
  for (let i = 0; i < n; i++) {
    const learning = i % 7 === 0 ? addDays(asOf, 5) : addDays(asOf, 90);
    const midTerm = i % 13 === 0 ? addDays(asOf, -3) : i % 14 === 0 ? addDays(asOf, 20) : addDays(asOf, 150);
    const first = i % 5 === 4 ? email(String(i - 1)) : email(String(i));
    const second = i % 10 === 1 ? email(`${i}.b`) : first;
    const locale = i % 3 === 0 ? 'en' : 'fr';
    const neq = i % 2 === 0 ? String(1_000_000_000 + i) : '';
    const agreement = `${externalRef(i)},${PROGRAMME_CODE},Projet de transfert des savoirs no ${i},${250_000 + i},CAD,${start},${end},${signed},Organisme communautaire ${i},${neq}`;
    lines.push(`${agreement},Personne ${i},${first},${locale},learning_note,1,,,${learning}`);
    lines.push(`${agreement},Personne ${i} (2),${second},${locale},mid_term_note,1,,,${midTerm}`);
    const due = [learning, midTerm].filter((d) => hasStageDue(d, asOf)).length;
    dueObligations += due;
    if (due > 0) {
      dueContacts.add(first);
      dueContacts.add(second);
    }
    if (i % 10 === 3) withNote.push(i);
  }
  return {
    asOf,
    csv: lines.join('\n') + '\n',
    rows: 2 * n,
    obligations: 2 * n,
    dueContacts,
    dueObligations,
    externalRef,
    withNote,
  };
}

export interface DigestCheck {
  /** due addresses that received nothing */
  missing: string[];
  /** addresses that received more than one message, with how many */
  duplicated: Array<[string, number]>;
  /** addresses that received a message without being due */
  unexpected: string[];
  /** due addresses that received exactly one */
  exactlyOnce: number;
}

/** Compares what the SMTP sink received (the envelope recipients of each message) with the due addresses. */
export function checkDigests(due: ReadonlySet<string>, received: ReadonlyArray<readonly string[]>): DigestCheck {
  const count = new Map<string, number>();
  for (const rcpts of received)
    for (const r of new Set(rcpts.map((a) => a.toLowerCase()))) count.set(r, (count.get(r) ?? 0) + 1);
  const missing = [...due].filter((a) => !count.has(a));
  const duplicated = [...count].filter(([, k]) => k > 1);
  const unexpected = [...count.keys()].filter((a) => !due.has(a));
  const exactlyOnce = [...due].filter((a) => count.get(a) === 1).length;
  return { missing, duplicated, unexpected, exactlyOnce };
}
