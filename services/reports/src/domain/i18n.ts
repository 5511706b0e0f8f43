/** Every text a person reads in a report, in French (default) and English. */
import { obligationStatus } from '@pc/contracts';
import { catalog, type Locale } from '@pc/service-kit';

/** The obligation statuses, in the catalog's order (the report's columns follow it). */
export const STATUSES = obligationStatus.options;
export type Status = (typeof STATUSES)[number];

export const messages = catalog({
  fr: {
    title: 'Rapport de conformité',
    asOf: 'Au',
    generatedAt: 'Généré le',
    funders: 'Bailleurs',
    programme: 'Programme',
    allProgrammes: 'Tous les programmes',
    definitionHeading: 'Définition du taux de conformité',
    summary: 'Synthèse',
    summaryCaption: 'Obligations par statut',
    status: 'Statut',
    count: 'Nombre',
    indicator: 'Indicateur',
    value: 'Valeur',
    totalObligations: 'Obligations (total)',
    dueByAsOf: 'Obligations échues à la date du rapport (hors dispensées et annulées)',
    fulfilledOnTime: 'Remplies à temps',
    fulfilledLate: 'Remplies en retard',
    overdueCount: 'En souffrance',
    complianceRate: 'Taux de conformité',
    onTimeRate: 'Taux de conformité à temps',
    notApplicable: 's.o.',
    chartHeading: 'Statut des obligations par mois d’échéance',
    chartDesc: 'Histogramme empilé : pour chaque mois d’échéance, le nombre d’obligations par statut.',
    chartTableCaption: 'Données du graphique : obligations par mois d’échéance et par statut',
    month: 'Mois',
    grantees: 'Par organisme bénéficiaire',
    granteesCaption: 'Conformité par organisme bénéficiaire',
    grantee: 'Organisme',
    neq: 'NEQ',
    agreements: 'Ententes',
    obligations: 'Obligations',
    overdueHeading: 'Obligations en souffrance',
    overdueCaption: 'Obligations échues avant la date du rapport et non remplies',
    overdueShown: (shown: string, total: string) =>
      `Les ${shown} obligations les plus en retard sur ${total}, de la plus en retard à la moins en retard, puis par organisme`,
    overdueMore: (more: string) =>
      `Et ${more} autres obligations en souffrance, non listées ici\u00a0: la liste complète est dans l’export CSV (format=csv), une ligne par obligation.`,
    reference: 'Référence',
    externalRef: 'Réf. externe',
    agreementTitle: 'Entente',
    kind: 'Type',
    dueDate: 'Échéance',
    daysLate: 'Jours de retard',
    withdrawnHeading: 'Preuves retirées',
    withdrawnCaption: 'Notes Praxis qui ne sont plus publiques',
    noteUrl: 'Note',
    reason: 'Motif',
    date: 'Date',
    contactsHeading: 'Adresses de contact en échec',
    contactsCaption: 'Adresses dont les rappels échouent définitivement',
    email: 'Adresse',
    failures: 'Échecs',
    lastFailure: 'Dernier échec',
    none: 'Aucune',
    pageOf: (page: number, total: number) => `Page ${page} / ${total}`,
    // French puts a no-break space before the colon; English none
    scopeLine: (funders: string, programme: string) => `Bailleurs\u00a0: ${funders} · Programme\u00a0: ${programme}`,
    chartAlt:
      'Histogramme empilé des obligations par mois d’échéance et par statut ; les mêmes chiffres sont dans le tableau qui suit.',
    auditHeadHeading: 'Tête de la chaîne d’audit',
    auditHeadText: (seq: string, hash: string) =>
      `À la génération de ce rapport, la chaîne d’audit du bailleur compte ${seq} entrées ; empreinte de la dernière (SHA-256) : ${hash}. Conservez-la : une chaîne réécrite ne la contiendra plus.`,
    definition: (asOf: string) =>
      `Taux de conformité au ${asOf} = (obligations remplies à temps + obligations remplies en retard) ÷ obligations échues au ${asOf}. ` +
      `Une obligation est échue si sa date d’échéance (éventuellement prolongée) est au plus tard le ${asOf}. ` +
      'Les obligations dispensées (et celles annulées par la résiliation d’une entente) sont exclues du numérateur et du dénominateur. ' +
      'Remplie à temps : la note Praxis a été publiée au plus tard à la date d’échéance ; sinon, remplie en retard (comptées séparément). ' +
      'Les statuts sont ceux connus à la génération du rapport. ' +
      `Une obligation est en souffrance si son échéance est antérieure au ${asOf} et qu’elle n’est ni remplie, ni dispensée, ni annulée.`,
    statuses: {
      upcoming: 'À venir',
      due_soon: 'Échéance proche',
      overdue: 'En retard',
      fulfilled: 'Remplie',
      extended: 'Prolongée',
      waived: 'Dispensée',
      cancelled: 'Annulée',
      evidence_withdrawn: 'Preuve retirée',
    } as Record<Status, string>,
    kinds: {
      learning_note: 'Note d’apprentissage',
      mid_term_note: 'Note de mi-parcours',
      final_note: 'Note finale',
    } as Record<string, string>,
    emailSubject: (name: string, asOf: string) => `Rapport de conformité mensuel — ${name} — ${asOf}`,
    emailText: (rate: string, due: number, overdue: number) =>
      `Votre rapport de conformité mensuel est joint (CSV) et reproduit dans ce courriel. Taux de conformité : ${rate} ; obligations échues : ${due} ; en souffrance : ${overdue}.`,
    csvFile: 'rapport-conformite',
    csvHeaders: [
      'Bailleur',
      'Programme',
      'Référence',
      'Réf. externe',
      'Entente',
      'Statut de l’entente',
      'Organisme',
      'NEQ',
      'Obligation',
      'Type',
      'Numéro',
      'Échéance',
      'Statut',
      'Code statut',
      'Échue',
      'Remplie',
      'En souffrance',
      'Note Praxis',
      'Publiée le',
    ],
    yes: 'oui',
    no: 'non',
  },
  en: {
    title: 'Compliance report',
    asOf: 'As of',
    generatedAt: 'Generated at',
    funders: 'Funders',
    programme: 'Programme',
    allProgrammes: 'All programmes',
    definitionHeading: 'Definition of the compliance rate',
    summary: 'Summary',
    summaryCaption: 'Obligations by status',
    status: 'Status',
    count: 'Count',
    indicator: 'Indicator',
    value: 'Value',
    totalObligations: 'Obligations (total)',
    dueByAsOf: 'Obligations due by the report date (waived and cancelled excluded)',
    fulfilledOnTime: 'Fulfilled on time',
    fulfilledLate: 'Fulfilled late',
    overdueCount: 'Outstanding',
    complianceRate: 'Compliance rate',
    onTimeRate: 'On-time compliance rate',
    notApplicable: 'n/a',
    chartHeading: 'Obligation status by due month',
    chartDesc: 'Stacked bar chart: for each due month, the number of obligations in each status.',
    chartTableCaption: 'Chart data: obligations by due month and status',
    month: 'Month',
    grantees: 'By grantee',
    granteesCaption: 'Compliance by grantee',
    grantee: 'Grantee',
    neq: 'NEQ',
    agreements: 'Agreements',
    obligations: 'Obligations',
    overdueHeading: 'Outstanding obligations',
    overdueCaption: 'Obligations due before the report date and not fulfilled',
    overdueShown: (shown: string, total: string) =>
      `The ${shown} latest of ${total} outstanding obligations, latest first, then by grantee`,
    overdueMore: (more: string) =>
      `And ${more} more outstanding obligations not listed here: the complete list is in the CSV export (format=csv), one row per obligation.`,
    reference: 'Reference',
    externalRef: 'External ref.',
    agreementTitle: 'Agreement',
    kind: 'Kind',
    dueDate: 'Due date',
    daysLate: 'Days late',
    withdrawnHeading: 'Withdrawn evidence',
    withdrawnCaption: 'Praxis notes that are no longer public',
    noteUrl: 'Note',
    reason: 'Reason',
    date: 'Date',
    contactsHeading: 'Failing contact addresses',
    contactsCaption: 'Addresses whose reminders fail permanently',
    email: 'Address',
    failures: 'Failures',
    lastFailure: 'Last failure',
    none: 'None',
    pageOf: (page: number, total: number) => `Page ${page} / ${total}`,
    scopeLine: (funders: string, programme: string) => `Funders: ${funders} · Programme: ${programme}`,
    chartAlt:
      'Stacked bar chart of obligations by due month and status; the same figures are in the table that follows.',
    auditHeadHeading: 'Audit chain head',
    auditHeadText: (seq: string, hash: string) =>
      `When this report was generated, the funder’s audit chain held ${seq} entries; hash of the last one (SHA-256): ${hash}. Keep it: a rewritten chain will no longer contain it.`,
    definition: (asOf: string) =>
      `Compliance rate as of ${asOf} = (obligations fulfilled on time + obligations fulfilled late) ÷ obligations due by ${asOf}. ` +
      `An obligation is due if its (possibly extended) due date is on or before ${asOf}. ` +
      'Waived obligations (and those cancelled by an agreement’s termination) are excluded from both numerator and denominator. ' +
      'Fulfilled on time: the Praxis note was published on or before the due date; otherwise fulfilled late (counted separately). ' +
      'Statuses are those known when the report was generated. ' +
      `An obligation is outstanding if its due date is before ${asOf} and it is neither fulfilled, waived nor cancelled.`,
    statuses: {
      upcoming: 'Upcoming',
      due_soon: 'Due soon',
      overdue: 'Overdue',
      fulfilled: 'Fulfilled',
      extended: 'Extended',
      waived: 'Waived',
      cancelled: 'Cancelled',
      evidence_withdrawn: 'Evidence withdrawn',
    },
    kinds: { learning_note: 'Learning note', mid_term_note: 'Mid-term note', final_note: 'Final note' },
    emailSubject: (name: string, asOf: string) => `Monthly compliance report — ${name} — ${asOf}`,
    emailText: (rate: string, due: number, overdue: number) =>
      `Your monthly compliance report is attached (CSV) and shown in this email. Compliance rate: ${rate}; obligations due: ${due}; outstanding: ${overdue}.`,
    csvFile: 'compliance-report',
    csvHeaders: [
      'Funder',
      'Programme',
      'Reference',
      'External ref.',
      'Agreement',
      'Agreement status',
      'Grantee',
      'NEQ',
      'Obligation',
      'Kind',
      'Sequence',
      'Due date',
      'Status',
      'Status code',
      'Due',
      'Fulfilled',
      'Outstanding',
      'Praxis note',
      'Published on',
    ],
    yes: 'yes',
    no: 'no',
  },
});

/** 0.875 → "87,5 %" (fr) / "87.5%" (en); null → n/a. One decimal, as every format shows it. */
export function formatRate(rate: number | null, locale: Locale): string {
  if (rate === null) return messages[locale].notApplicable;
  const pct = (Math.round(rate * 1000) / 10).toFixed(1);
  return locale === 'fr' ? `${pct.replace('.', ',')} %` : `${pct}%`;
}

/** Integers with the locale's grouping (fr: narrow no-break space), as HTML and PDF print them. */
const intFormats: Record<Locale, Intl.NumberFormat> = {
  fr: new Intl.NumberFormat('fr-CA', { maximumFractionDigits: 0 }),
  en: new Intl.NumberFormat('en-CA', { maximumFractionDigits: 0 }),
};
export function formatInt(n: number, locale: Locale): string {
  return intFormats[locale].format(n);
}
