import type { Express, Request } from 'express';
import { localeOf, principalOf } from '@pc/service-kit';
import { renderCalendar } from '../domain/calendar';
import type { Clock, NoteVerifier } from '../domain/ports';
import type { PrismaClient } from '../adapters/prisma';
import { listObligations, myObligations, obligationDetail, openObligationsOfGrantee, granteeOf } from '../use-cases/read';
import { extendObligation, waiveObligation } from '../use-cases/extend-waive';
import { declareEvidence } from '../use-cases/declare-evidence';

export interface RouteDeps { prisma: PrismaClient; clock: Clock; verifier: NoteVerifier; kick: () => void }

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

  app.get('/v1/obligations', async (req, res) => {
    res.json(await listObligations(prisma, principalOf(req), {
      status: q(req, 'status'), programme: q(req, 'programme'), dueBefore: q(req, 'dueBefore'), dueAfter: q(req, 'dueAfter'),
      agreementId: q(req, 'agreementId'), limit: limitOf(req), cursor: q(req, 'cursor'),
    }));
  });

  app.get('/v1/obligations/:id', async (req, res) => {
    res.json(await obligationDetail(prisma, principalOf(req), idOf(req)));
  });

  app.post('/v1/obligations/:id/extension', async (req, res) => {
    const body = req.body as { newDueDate: string; reason: string };
    const detail = await extendObligation(prisma, clock, principalOf(req), idOf(req), body);
    deps.kick();
    res.json(detail);
  });

  app.post('/v1/obligations/:id/waiver', async (req, res) => {
    const detail = await waiveObligation(prisma, clock, principalOf(req), idOf(req), req.body as { reason: string });
    deps.kick();
    res.json(detail);
  });

  app.post('/v1/obligations/:id/evidence', async (req, res) => {
    const result = await declareEvidence(deps, principalOf(req), idOf(req), (req.body as { url: string }).url,
      localeOf(req));
    deps.kick();
    res.json(result);
  });

  app.get('/v1/me/obligations', async (req, res) => {
    res.json(await myObligations(prisma, principalOf(req), limitOf(req), q(req, 'cursor')));
  });

  app.get('/v1/me/calendar.ics', async (req, res) => {
    const granteeId = granteeOf(principalOf(req));
    const open = await openObligationsOfGrantee(prisma, granteeId);
    const ics = renderCalendar(open.map((o) => ({
      id: o.id, kind: o.kind, dueDate: o.dueDate, status: o.status, updatedAt: o.updatedAt,
      title: o.agreementTitle, referenceCode: o.referenceCode, externalRef: o.externalRef,
    })), localeOf(req));
    res.type('text/calendar; charset=utf-8').setHeader('content-disposition', 'inline; filename="obligations.ics"');
    res.send(ics);
  });
}
