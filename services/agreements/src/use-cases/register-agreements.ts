/**
 * The intake both entries share (one agreement from POST /v1/agreements, thousands from a CSV
 * import: register-agreement.ts, import-agreements.ts), so a CSV row and a JSON body mean exactly
 * the same thing. All or nothing: every draft is checked first; the store writes everything in one
 * transaction.
 */
import { classify } from '@pc/lifecycle';
import {
  contentHash,
  DEFAULT_REQUIREMENTS,
  type AgreementDraft,
  type Issue,
  type RequirementSpec,
} from '../domain/agreement';
import { deriveObligations, lateDueIssues, type DerivedObligation } from '../domain/obligations';
import { newReferenceCode } from '../domain/reference-code';

export interface ProgrammeInfo {
  id: string;
  code: string;
  reminderStages: Array<{ offsetDays: number; escalate: boolean }>;
  defaultRequirements: RequirementSpec[];
}

export interface NewAgreement {
  id: string;
  draft: AgreementDraft;
  programme: ProgrammeInfo;
  referenceCode: string;
  contentHash: string;
  defaultRequirements: boolean;
  requirements: Array<RequirementSpec & { id: string; position: number }>;
  obligations: Array<DerivedObligation & { id: string; status: string }>;
}

/** Thrown by the store when a unique key was taken meanwhile (concurrent import, code collision). */
export class DuplicateKey extends Error {}

/** The persistence the use case needs (implemented with bulk SQL in adapters/intake-store.ts). */
export interface IntakeStore {
  programmesByCode(funderId: string, codes: string[]): Promise<ProgrammeInfo[]>;
  existingByRef(
    funderId: string,
    refs: string[],
  ): Promise<Array<{ id: string; externalRef: string; contentHash: string }>>;
  referenceCodesTaken(codes: string[]): Promise<string[]>;
  /** Writes agreements, grantees, contacts, requirements, obligations and their events atomically; returns ms per phase. */
  insert(funderId: string, actorKeyId: string, agreements: NewAgreement[]): Promise<Record<string, number>>;
}

export interface IntakeDeps {
  store: IntakeStore;
  newId: () => string;
  randomIndex: (n: number) => number;
  today: () => string;
}

export type IntakeResult =
  | { kind: 'invalid'; issues: Array<{ index: number; issue: Issue }> }
  | {
      kind: 'done';
      results: Array<{ id: string; created: boolean }>;
      created: number;
      unchanged: number;
      obligationsCreated: number;
      timings: Record<string, number>;
    };

export async function registerAgreements(
  deps: IntakeDeps,
  funderId: string,
  actorKeyId: string,
  drafts: AgreementDraft[],
): Promise<IntakeResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptRegistration(deps, funderId, actorKeyId, drafts);
    } catch (err) {
      // Another request registered one of these refs (or drew the same code) between our read and
      // our write: start again, the second pass sees it as existing.
      if (err instanceof DuplicateKey && attempt < 3) continue;
      throw err;
    }
  }
}

async function attemptRegistration(
  deps: IntakeDeps,
  funderId: string,
  actorKeyId: string,
  drafts: AgreementDraft[],
): Promise<IntakeResult> {
  const issues: Array<{ index: number; issue: Issue }> = [];
  const programmes = new Map(
    (await deps.store.programmesByCode(funderId, [...new Set(drafts.map((d) => d.programmeCode))])).map((p) => [
      p.code,
      p,
    ]),
  );
  const existing = new Map(
    (
      await deps.store.existingByRef(
        funderId,
        drafts.map((d) => d.externalRef),
      )
    ).map((e) => [e.externalRef, e]),
  );
  const today = deps.today();
  const results: Array<{ id: string; created: boolean }> = [];
  const fresh: NewAgreement[] = [];

  drafts.forEach((draft, index) => {
    const programme = programmes.get(draft.programmeCode);
    if (!programme) {
      issues.push({
        index,
        issue: { path: 'programmeCode', code: 'programme_unknown', params: { value: draft.programmeCode } },
      });
      return;
    }
    const hash = contentHash(draft);
    const known = existing.get(draft.externalRef);
    if (known) {
      if (known.contentHash === hash) results.push({ id: known.id, created: false });
      else issues.push({ index, issue: { path: 'externalRef', code: 'conflict_external_ref' } });
      return;
    }
    const specs =
      draft.requirements ??
      (programme.defaultRequirements.length > 0 ? programme.defaultRequirements : DEFAULT_REQUIREMENTS);
    const late = lateDueIssues(draft, specs, draft.requirements === null);
    if (late.length > 0) {
      for (const issue of late) issues.push({ index, issue });
      return;
    }
    const requirements = specs.map((r, position) => ({ ...r, id: deps.newId(), position }));
    // Shown until the obligations service reports transitions; it classifies with the same rule.
    const obligations = deriveObligations(draft, requirements).map((o) => ({
      ...o,
      id: deps.newId(),
      status: classify(o.dueDate, today, programme.reminderStages),
    }));
    const id = deps.newId();
    results.push({ id, created: true });
    fresh.push({
      id,
      draft,
      programme,
      contentHash: hash,
      defaultRequirements: draft.requirements === null,
      referenceCode: '',
      requirements,
      obligations,
    });
  });
  if (issues.length > 0) return { kind: 'invalid', issues };

  await assignReferenceCodes(deps, fresh);
  const timings = fresh.length > 0 ? await deps.store.insert(funderId, actorKeyId, fresh) : {};
  return {
    kind: 'done',
    results,
    timings,
    created: fresh.length,
    unchanged: results.length - fresh.length,
    obligationsCreated: fresh.reduce((n, a) => n + a.obligations.length, 0),
  };
}

/** Draws unique codes: distinct within the batch and not yet used (one query per round). */
async function assignReferenceCodes(deps: IntakeDeps, agreements: NewAgreement[]): Promise<void> {
  let pending = agreements;
  const used = new Set<string>();
  while (pending.length > 0) {
    for (const a of pending) {
      do a.referenceCode = newReferenceCode(deps.randomIndex);
      while (used.has(a.referenceCode));
      used.add(a.referenceCode);
    }
    const taken = new Set(await deps.store.referenceCodesTaken(pending.map((a) => a.referenceCode)));
    pending = pending.filter((a) => taken.has(a.referenceCode));
  }
}
