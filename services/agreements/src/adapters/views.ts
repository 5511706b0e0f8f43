/** Agreement and programme as the public API shows them (contracts/openapi.yaml `Agreement`, `Programme`). */
import type { Contact, ObligationKind } from '../domain/agreement';
import { agreementSnapshot, type AgreementSnapshot } from '../domain/snapshot';
import type { AgreementRow, HistoryRow } from './agreement-store';
import type { GranteeRow } from './grantee-store';
import type { ProgrammeRow } from './programme-store';

export const day = (d: Date): string => d.toISOString().slice(0, 10);

export interface ViewOptions {
  /** contacts are personal data: shown to the funder that provided them, not to auditors */
  contacts: boolean;
  history?: HistoryRow[];
}

export function agreementView(a: AgreementRow, opts: ViewOptions): Record<string, unknown> {
  return {
    id: a.id,
    externalRef: a.externalRef,
    referenceCode: a.referenceCode,
    status: a.status,
    programmeCode: a.programme.code,
    title: a.title,
    amount: a.amountCents === null ? null : { value: Number(a.amountCents), currency: a.currency ?? 'CAD' },
    startDate: day(a.startDate),
    endDate: day(a.endDate),
    signedAt: a.signedAt ? day(a.signedAt) : null,
    grantee: { id: a.grantee.linkedToId ?? a.grantee.id, name: a.grantee.name, neq: a.grantee.neq },
    ...(opts.contacts ? { contacts: a.contacts.map((c) => ({ name: c.name, email: c.email, locale: c.locale })) } : {}),
    requirements: a.requirements.map((r) => ({
      kind: r.kind,
      count: r.count,
      due: r.dueDate ? { date: day(r.dueDate) } : { anchor: r.dueAnchor, offset: r.dueOffset },
    })),
    defaultRequirements: a.defaultRequirements,
    obligations: a.obligations.map((o) => ({
      id: o.id,
      kind: o.kind,
      sequence: o.sequence,
      dueDate: day(o.currentDueDate ?? o.dueDate),
      status: o.status,
      ...(o.currentDueDate ? { derivedDueDate: day(o.dueDate) } : {}),
    })),
    revision: a.revision,
    terminatedAt: a.terminatedAt?.toISOString() ?? null,
    terminationReason: a.terminationReason,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
    ...(opts.history
      ? {
          history: opts.history.map((h) => ({
            revision: h.revision,
            kind: h.kind,
            at: h.at.toISOString(),
            actor: { kind: 'api_key', id: h.actorKeyId },
            reason: h.reason,
            changes: h.changes,
            before: h.before,
            after: h.after,
          })),
        }
      : {}),
  };
}

export function programmeView(p: ProgrammeRow): Record<string, unknown> {
  return {
    id: p.id,
    code: p.code,
    name: p.name,
    sector: p.sector,
    praxisFeeds: p.praxisFeeds,
    reminderPolicy: { stages: p.reminderStages },
    defaultRequirements: p.defaultRequirements,
    createdAt: p.createdAt.toISOString(),
  };
}

/** A list answer: `limit` items and the cursor of the next page when the store found one row more. */
export function pageOf<R extends { createdAt: Date; id: string }>(
  rows: R[],
  limit: number,
  view: (r: R) => Record<string, unknown>,
): { data: Array<Record<string, unknown>>; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return {
    data: data.map(view),
    nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

/** Opaque list cursor: the (createdAt, id) of the last item, base64url JSON. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}
export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    if (Number.isNaN(createdAt.getTime()) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}

/** The event snapshot of an agreement as stored. */
export function snapshotOf(a: AgreementRow): AgreementSnapshot {
  return agreementSnapshot({
    agreementId: a.id,
    funderId: a.funderId,
    programmeId: a.programmeId,
    programmeCode: a.programme.code,
    externalRef: a.externalRef,
    referenceCode: a.referenceCode,
    title: a.title,
    startDate: day(a.startDate),
    endDate: day(a.endDate),
    signedAt: a.signedAt ? day(a.signedAt) : null,
    // the organisation's id across funders when an admin linked this funder's grantee to it
    grantee: { id: a.grantee.linkedToId ?? a.grantee.id, name: a.grantee.name, neq: a.grantee.neq },
    contacts: a.contacts.map((c) => ({ name: c.name, email: c.email, locale: c.locale as Contact['locale'] })),
    obligations: a.obligations.map((o) => ({
      id: o.id,
      requirementId: o.requirementId,
      kind: o.kind as ObligationKind,
      sequence: o.sequence,
      dueDate: day(o.dueDate),
    })),
    revision: a.revision,
  });
}

/** A grantee as an admin sees it (contract `Grantee`): whose it is and which organisation it stands for. */
export function granteeView(g: GranteeRow): Record<string, unknown> {
  return {
    id: g.id,
    funderId: g.scopeFunderId,
    name: g.name,
    neq: g.neq,
    linkedTo: g.linkedToId,
    linkedAt: g.linkedAt?.toISOString() ?? null,
  };
}
