import type { EventData } from '@pc/contracts';
import type { Contact, ObligationKind } from './agreement';

export type AgreementSnapshot = Omit<EventData<'agreement.registered.v1'>, 'actor'>;

export interface SnapshotSource {
  agreementId: string;
  funderId: string;
  programmeId: string;
  programmeCode: string;
  externalRef: string;
  referenceCode: string;
  title: string;
  startDate: string;
  endDate: string;
  signedAt: string | null;
  grantee: { id: string; name: string; neq: string | null };
  contacts: Contact[];
  obligations: Array<{ id: string; requirementId: string; kind: ObligationKind; sequence: number; dueDate: string }>;
  revision: number;
}

/**
 * The full snapshot carried by agreement.registered/amended: consumers reconcile to it (and ignore a
 * revision that is not newer) instead of re-deriving anything.
 */
export function agreementSnapshot(s: SnapshotSource): AgreementSnapshot {
  return {
    agreementId: s.agreementId,
    funderId: s.funderId,
    programmeId: s.programmeId,
    programmeCode: s.programmeCode,
    externalRef: s.externalRef,
    referenceCode: s.referenceCode,
    title: s.title,
    startDate: s.startDate,
    endDate: s.endDate,
    signedAt: s.signedAt,
    grantee: s.grantee,
    contacts: s.contacts.map((c) => ({ name: c.name, email: c.email, locale: c.locale })),
    obligations: s.obligations.map((o) => ({
      id: o.id,
      requirementId: o.requirementId,
      kind: o.kind,
      sequence: o.sequence,
      dueDate: o.dueDate,
    })),
    revision: s.revision,
  };
}
