/*
 * The connector's record of one agreement (what matching needs) and how agreement events move it.
 * Snapshots carry a revision, so a redelivered or reordered event never rolls an agreement back:
 * a snapshot applies only when newer than the record (its fields; a terminated agreement stays
 * terminated), a termination when not older. Pure, so a batch of events can be folded per agreement
 * in delivery order and written once, ending as handling them one by one would.
 */

export interface AgreementFields {
  funderId: string;
  programmeId: string;
  referenceCode: string;
  externalRef: string;
  startDate: string;
  endDate: string;
}

export interface AgreementRecord extends AgreementFields {
  status: 'active' | 'terminated';
  revision: number;
}

export type AgreementChange =
  { kind: 'snapshot'; revision: number; fields: AgreementFields } | { kind: 'terminated'; revision: number };

/** The record after one event; the same object when the event changes nothing (stale, or about an agreement never registered). */
export function applyAgreementChange(record: AgreementRecord | null, change: AgreementChange): AgreementRecord | null {
  if (change.kind === 'snapshot') {
    if (!record) return { ...change.fields, status: 'active', revision: change.revision };
    if (record.revision >= change.revision) return record;
    return { ...record, ...change.fields, revision: change.revision };
  }
  // A termination of an agreement never registered here: nothing to match against.
  if (!record || record.revision > change.revision) return record;
  return { ...record, status: 'terminated', revision: change.revision };
}

/** The record after the events, in order. */
export const foldAgreementChanges = (
  record: AgreementRecord | null,
  changes: readonly AgreementChange[],
): AgreementRecord | null => changes.reduce(applyAgreementChange, record);
