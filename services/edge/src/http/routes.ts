import type { Express, Request } from 'express';
import { AppError, fieldError, notFound, principalOf, requireRole, type FieldError } from '@pc/service-kit';
import type { components } from '@pc/contracts';
import { newApiKeyToken } from '../domain/api-key';
import { newId, type EdgeStore, type Funder } from '../adapters/store';
import { idempotency } from './idempotency';

type FunderInput = components['schemas']['FunderInput'];
type ApiKeyInput = components['schemas']['ApiKeyInput'];

const actorOf = (req: Request) => ({ kind: 'api_key' as const, id: principalOf(req).keyId });

const funderView = (f: Funder) => ({
  id: f.id, name: f.name, kind: f.kind, locale: f.locale, reportRecipients: f.reportRecipients, createdAt: f.createdAt.toISOString(),
});

/** The routes the edge owns: funders (tenants) and API keys. Admin only. */
export function mountAdminRoutes(app: Express, store: EdgeStore, kickRelay: () => void): void {
  app.use(['/v1/funders', '/v1/api-keys'], idempotency(store, (req) => Buffer.from(JSON.stringify(req.body ?? null))));

  app.post('/v1/funders', async (req, res) => {
    requireRole(principalOf(req), 'admin');
    const body = req.body as FunderInput;
    const id = newId();
    const funder = await store.createFunder(
      { id, name: body.name, kind: body.kind, locale: body.locale ?? 'fr', reportRecipients: body.reportRecipients ?? [] },
      { type: 'funder.registered.v1', subject: id, data: {
        funderId: id, name: body.name, kind: body.kind, locale: body.locale ?? 'fr',
        reportRecipients: body.reportRecipients ?? [], actor: actorOf(req) } },
    );
    kickRelay();
    res.status(201).json(funderView(funder));
  });

  app.post('/v1/api-keys', async (req, res) => {
    requireRole(principalOf(req), 'admin');
    const body = req.body as ApiKeyInput;
    const errors: FieldError[] = [];
    if (body.role === 'funder' && !body.funderId) errors.push(fieldError('funderId', { en: 'required for role funder', fr: 'requis pour le rôle funder' }));
    if (body.role === 'auditor' && !body.funderIds?.length) errors.push(fieldError('funderIds', { en: 'required for role auditor', fr: 'requis pour le rôle auditor' }));
    if (body.role === 'grantee' && !body.granteeId) errors.push(fieldError('granteeId', { en: 'required for role grantee', fr: 'requis pour le rôle grantee' }));
    if (errors.length) throw new AppError('validation_failed', { en: 'the key is missing its scope', fr: 'la portée de la clé manque' }, errors);
    const funderIds = body.role === 'auditor' ? [...new Set(body.funderIds)] : body.role === 'funder' && body.funderId ? [body.funderId] : [];
    for (const [i, f] of funderIds.entries()) {
      if (!(await store.funderExists(f))) {
        throw new AppError('validation_failed', { en: 'unknown funder', fr: 'bailleur de fonds inconnu' },
          [fieldError(body.role === 'funder' ? 'funderId' : `funderIds[${i}]`, { en: 'no such funder', fr: 'aucun bailleur de fonds avec cet identifiant' })]);
      }
    }
    const id = newId();
    const { token, secretHash } = newApiKeyToken(id);
    const key = {
      id, role: body.role, label: body.label, secretHash,
      funderId: body.role === 'funder' ? body.funderId ?? null : null,
      funderIds,
      granteeId: body.role === 'grantee' ? body.granteeId ?? null : null,
    };
    await store.createApiKey(key, { type: 'api_key.created.v1', subject: id, data: {
      keyId: id, role: body.role, funderId: key.funderId, funderIds, granteeId: key.granteeId, label: body.label, actor: actorOf(req) } });
    kickRelay();
    res.status(201).json({ id, token, role: key.role, label: key.label, funderId: key.funderId, funderIds, granteeId: key.granteeId });
  });

  app.delete('/v1/api-keys/:id', async (req, res) => {
    requireRole(principalOf(req), 'admin');
    const revoked = await store.revokeApiKey(req.params.id, (k) => ({
      type: 'api_key.revoked.v1', subject: k.id, data: { keyId: k.id, funderId: k.funderId, funderIds: k.funderIds, actor: actorOf(req) } }));
    if (!revoked) throw notFound('API key', 'clé d’API');
    kickRelay();
    res.status(204).end();
  });
}
