import type { Express, Request, Response } from 'express';
import { localeOf, principalOf } from '@pc/service-kit';
import type { components } from '@pc/contracts';
import type { WebDeps } from '../deps';
import { addMember, listMembers, removeMember } from '../use-cases/members';

type MemberInput = components['schemas']['MemberInput'];

/** The members routes of the API (validated against the contract before they get here). */
export function mountMemberRoutes(app: Express, deps: WebDeps): void {
  app.post('/v1/members', async (req: Request, res: Response) => {
    res.status(201).json(await addMember(deps, principalOf(req), req.body as MemberInput, localeOf(req)));
  });
  app.get('/v1/members', async (req: Request, res: Response) => {
    res.json(await listMembers(deps, principalOf(req)));
  });
  app.delete('/v1/members/:id', async (req: Request, res: Response) => {
    await removeMember(deps, principalOf(req), String(req.params.id));
    res.status(204).end();
  });
}
