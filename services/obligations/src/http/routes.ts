import type { Express, Request } from 'express';
import type { components, operations } from '@pc/contracts';
import { localeOf, principalOf, withProjectedId, type Principal } from '@pc/service-kit';
import { lookupScopeOf } from '../domain/access';
import type { Clock, IdOwner, NoteVerifier } from '../domain/ports';
import type { PrismaClient } from '../adapters/prisma';
import { listObligations } from '../use-cases/list-obligations';
import { listMyObligations } from '../use-cases/list-my-obligations';
import { getObligation } from '../use-cases/get-obligation';
import { getMyCalendar } from '../use-cases/get-my-calendar';
import { extendObligation } from '../use-cases/extend-obligation';
import { waiveObligation } from '../use-cases/waive-obligation';
import { declareEvidence } from '../use-cases/declare-evidence';

export interface RouteDeps {
  prisma: PrismaClient;
  clock: Clock;
  verifier: NoteVerifier;
  kick: () => void;
  /** the agreements service, asked about an obligation id this service has not received yet */
  owner: IdOwner;
  /** how long a request waits for such an id to arrive (ms, ≤ 5 s) before answering 503 */
  projectionWaitMs: number;
}

// Request bodies as the contract declares them (the extension's and the evidence's are inline in their operation).
type ExtensionInput = operations['extendObligation']['requestBody']['content']['application/json'];
type WaiverInput = components['schemas']['Reason'];
type EvidenceInput = operations['declareEvidence']['requestBody']['content']['application/json'];

const q = (req: Request, k: string): string | undefined => {
  const v = (req.query as Record<string, unknown>)[k];
  return typeof v === 'string' ? v : undefined;
};
// The contract validator has already coerced `limit` to an integer within 1..500.
const limitOf = (req: Request): number => Number((req.query as Record<string, unknown>).limit ?? 50);
const idOf = (req: Request): string => String(req.params.id);

/** Obligation routes (requests are validated against contracts/openapi.yaml before they get here). */
export function mountRoutes(app: Express, deps: RouteDeps): void {
  const { prisma, clock } = deps;
  /**
   * Read your writes: an obligation id the agreements service returned a moment ago may not have
   * reached this service's projection yet. A route's 404 is confirmed with the owner (in the
   * caller's scope) and, when the owner has it, the route waits for it (see withProjectedId).
   */
  const onObligation = <T>(p: Principal, id: string, run: () => Promise<T>): Promise<T> => {
    const scope = lookupScopeOf(p);
    return withProjectedId(run, {
      what: 'obligation',
      maxWaitMs: deps.projectionWaitMs,
      ownerKnows: async () => scope !== null && (await deps.owner.exists({ kind: 'obligation', key: id, scope })),
    });
  };

  app.get('/v1/obligations', async (req, res) => {
    res.json(
      await listObligations(prisma, principalOf(req), {
        status: q(req, 'status'),
        programme: q(req, 'programme'),
        dueBefore: q(req, 'dueBefore'),
        dueAfter: q(req, 'dueAfter'),
        agreementId: q(req, 'agreementId'),
        grantee: q(req, 'grantee'),
        q: q(req, 'q'),
        sort: q(req, 'sort'),
        limit: limitOf(req),
        cursor: q(req, 'cursor'),
      }),
    );
  });

  app.get('/v1/obligations/:id', async (req, res) => {
    const p = principalOf(req);
    const id = idOf(req);
    res.json(await onObligation(p, id, () => getObligation(prisma, p, id)));
  });

  app.post('/v1/obligations/:id/extension', async (req, res) => {
    const body: ExtensionInput = req.body;
    const p = principalOf(req);
    const id = idOf(req);
    const detail = await onObligation(p, id, () => extendObligation(prisma, clock, p, id, body));
    deps.kick();
    res.json(detail);
  });

  app.post('/v1/obligations/:id/waiver', async (req, res) => {
    const body: WaiverInput = req.body;
    const p = principalOf(req);
    const id = idOf(req);
    const detail = await onObligation(p, id, () => waiveObligation(prisma, clock, p, id, body));
    deps.kick();
    res.json(detail);
  });

  app.post('/v1/obligations/:id/evidence', async (req, res) => {
    const body: EvidenceInput = req.body;
    const p = principalOf(req);
    const id = idOf(req);
    const result = await onObligation(p, id, () => declareEvidence(deps, p, id, body.url, localeOf(req)));
    deps.kick();
    res.json(result);
  });

  app.get('/v1/me/obligations', async (req, res) => {
    res.json(await listMyObligations(prisma, principalOf(req), limitOf(req), q(req, 'cursor')));
  });

  app.get('/v1/me/calendar.ics', async (req, res) => {
    const ics = await getMyCalendar(prisma, principalOf(req), localeOf(req));
    res.type('text/calendar; charset=utf-8').setHeader('content-disposition', 'inline; filename="obligations.ics"');
    res.send(ics);
  });
}
