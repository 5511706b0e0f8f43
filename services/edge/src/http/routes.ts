import type { Express, Request, Response } from 'express';
import { principalOf } from '@pc/service-kit';
import type { components } from '@pc/contracts';
import type { ApiKeyStore } from '../adapters/api-key-store';
import type { FunderStore } from '../adapters/funder-store';
import type { IdempotencyStore } from '../adapters/idempotency-store';
import { registerFunder } from '../use-cases/register-funder';
import { createApiKey } from '../use-cases/create-api-key';
import { revokeApiKey } from '../use-cases/revoke-api-key';
import { listApiKeys } from '../use-cases/list-api-keys';
import type { PersonRequestStore } from '../adapters/person-request-store';
import { requestPersonData } from '../use-cases/request-person-data';
import { getPersonRequest } from '../use-cases/get-person-request';
import { idempotency } from './idempotency';

type FunderInput = components['schemas']['FunderInput'];
type Funder = components['schemas']['Funder'];
type ApiKeyInput = components['schemas']['ApiKeyInput'];
type ApiKeyCreated = components['schemas']['ApiKeyCreated'];
type NoParams = Record<string, never>;
type PersonRequestInput = components['schemas']['PersonRequestInput'];
type PersonRequest = components['schemas']['PersonRequest'];

export interface AdminRouteDeps {
  funders: FunderStore;
  keys: ApiKeyStore;
  idempotency: IdempotencyStore;
  people: PersonRequestStore;
  pseudonymKey: string;
  kick: () => void;
  /** Law 25: the edge's dead letters that mention a person, removed on an erasure */
  purgeDeadLetters: (values: string[]) => Promise<number>;
}

/** The routes the edge owns: funders (tenants), API keys, Law 25 requests. Admin only, but a funder manages its own funder keys (the use cases check it). */
export function mountAdminRoutes(app: Express, deps: AdminRouteDeps): void {
  app.use(
    ['/v1/funders', '/v1/api-keys', '/v1/people'],
    idempotency(deps.idempotency, (req) => Buffer.from(JSON.stringify(req.body ?? null))),
  );

  app.post('/v1/funders', async (req: Request<NoParams, Funder, FunderInput>, res: Response<Funder>) => {
    res.status(201).json(await registerFunder(deps, principalOf(req), req.body));
  });

  app.post('/v1/api-keys', async (req: Request<NoParams, ApiKeyCreated, ApiKeyInput>, res: Response<ApiKeyCreated>) => {
    res.status(201).json(await createApiKey(deps, principalOf(req), req.body));
  });

  app.get('/v1/api-keys', async (req: Request<NoParams, unknown, unknown, { funderId?: string }>, res) => {
    const funderId = typeof req.query.funderId === 'string' ? req.query.funderId : undefined;
    res.setHeader('cache-control', 'private, no-store');
    res.json(await listApiKeys(deps, principalOf(req), { funderId }));
  });

  app.delete('/v1/api-keys/:id', async (req: Request<{ id: string }>, res) => {
    await revokeApiKey(deps, principalOf(req), req.params.id);
    res.status(204).end();
  });

  // Law 25: the email travels in the body, never in the path or the query (paths are logged).
  app.post(
    '/v1/people/requests',
    async (req: Request<NoParams, PersonRequest, PersonRequestInput>, res: Response<PersonRequest>) => {
      res.status(202).json(await requestPersonData(deps, principalOf(req), req.body));
    },
  );

  app.get('/v1/people/requests/:id', async (req: Request<{ id: string }>, res: Response<PersonRequest>) => {
    res.json(await getPersonRequest(deps, principalOf(req), req.params.id));
  });
}
