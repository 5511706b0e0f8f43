/**
 * A report model of any size with the names that broke the old PDF: long organisation names and
 * agreement titles, external references, every status, obligations spread over many due months.
 * Built with the domain's buildReport (no database): the PDF test and `pnpm bench report` use it.
 */
import { buildReport, type ComplianceReport, type ObligationRow } from '../src/domain/compliance';
import { STATUSES, type Status } from '../src/domain/i18n';
import type { Locale } from '@pc/service-kit';

const GRANTEE_NAMES = [
  'Cuisines solidaires de la Petite-Patrie et de Rosemont — Coopérative de solidarité',
  'Centre d’action bénévole des Quatre-Vents de Sainte-Anne-des-Plaines',
  'Regroupement des organismes communautaires autonomes jeunesse du Québec',
  'Maison de la famille',
  'Les Ateliers d’éducation populaire du Plateau',
  'Fondation québécoise pour l’alphabétisation et la persévérance scolaire',
];

export interface FixtureOptions {
  obligations: number;
  locale?: Locale;
  asOf?: string;
  /** how many months the due dates cover (default 36) */
  months?: number;
}

function addMonths(month0: string, k: number): string {
  const [y, m] = month0.split('-').map(Number) as [number, number];
  const t = y * 12 + (m - 1) + k;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}

/** Obligation rows of a fixture world, deterministic for a given size. */
export function fixtureRows(o: FixtureOptions): ObligationRow[] {
  const months = o.months ?? 36;
  const grantees = Math.max(1, Math.floor(o.obligations / 8));
  return Array.from({ length: o.obligations }, (_, i) => {
    const a = Math.floor(i / 2);
    const g = a % grantees;
    const status: Status = STATUSES[(i * 7 + (i >> 3)) % STATUSES.length]!;
    const due = `${addMonths('2024-01', i % months)}-${String(1 + (i % 28)).padStart(2, '0')}`;
    return {
      obligationId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      funderId: 'f0000000-0000-4000-8000-000000000000',
      funderName: 'Fondation de banc d’essai',
      programmeCode: `P${a % 10}`,
      agreementId: `a0000000-0000-4000-8000-${String(a).padStart(12, '0')}`,
      referenceCode: `A-${String(a).padStart(6, '0')}`,
      externalRef: `SUBV-2026-${String(a).padStart(6, '0')}`,
      agreementTitle: `Soutien à la mission et projet de mobilisation citoyenne n° ${a}`,
      agreementStatus: 'active',
      granteeId: `g0000000-0000-4000-8000-${String(g).padStart(12, '0')}`,
      granteeName: `${GRANTEE_NAMES[g % GRANTEE_NAMES.length]!} (${g})`,
      granteeNeq: String(1_140_000_000 + g),
      kind: ['learning_note', 'mid_term_note', 'final_note'][i % 3]!,
      sequence: (i % 2) + 1,
      dueDate: due,
      status,
      late: status === 'fulfilled' ? i % 4 === 0 : null,
      fulfilledAt: status === 'fulfilled' ? `${due}T12:00:00.000Z` : null,
      evidenceUrl: status === 'fulfilled' ? `https://praxis.example/notes/${i}` : null,
      evidencePublishedOn: status === 'fulfilled' ? due : null,
    };
  });
}

/** The report of a fixture world, as makeComplianceReport would build it. */
export function fixtureReport(o: FixtureOptions): { report: ComplianceReport; rows: ObligationRow[] } {
  const rows = fixtureRows(o);
  const withdrawn = rows.filter((r) => r.status === 'evidence_withdrawn').slice(0, 12);
  const report = buildReport({
    asOf: o.asOf ?? '2026-11-01',
    generatedAt: '2026-11-01T12:00:00.000Z',
    locale: o.locale ?? 'fr',
    scope: { funders: [{ id: rows[0]?.funderId ?? 'f', name: 'Fondation de banc d’essai' }], programme: null },
    obligations: rows,
    withdrawals: withdrawn.map((r, k) => ({
      obligationId: r.obligationId,
      agreementId: r.agreementId,
      referenceCode: r.referenceCode,
      granteeName: r.granteeName,
      noteUrl: `https://praxis.example/notes/retiree-${k}`,
      reason: 'Note dépubliée par l’organisme à la demande d’un participant',
      at: '2026-10-02T09:00:00.000Z',
    })),
    contactFailures: rows.slice(0, 5).map((r, k) => ({
      email: `direction.generale-${k}@organisme-communautaire.example`,
      contactRef: `p_${k}`,
      granteeName: r.granteeName,
      reason: '550 5.1.1 mailbox unavailable',
      failures: 3 + k,
      lastFailedAt: '2026-10-20T08:00:00.000Z',
    })),
  });
  return { report, rows };
}
