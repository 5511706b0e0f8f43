import crypto from 'node:crypto';
import { AppError, fieldError, notFound, requireRole, type FieldError, type Principal } from '@pc/service-kit';
import type { components } from '@pc/contracts';
import { newApiKeyToken } from '../domain/api-key';
import type { ApiKeyStore } from '../adapters/api-key-store';
import type { FunderStore } from '../adapters/funder-store';

type ApiKeyInput = components['schemas']['ApiKeyInput'];
type ApiKeyCreated = components['schemas']['ApiKeyCreated'];

/**
 * Creates an API key. An admin creates any: a funder key needs its funder, an auditor key its scope,
 * a grantee key its grantee, and every funder named must exist. A funder creates funder keys for
 * itself only (funderId omitted or its own; another funder's is not found, 404: existence is not
 * revealed); any other role is the admin's (403). The token is returned this once; only the SHA-256
 * of its secret is stored.
 */
export async function createApiKey(
  deps: { keys: ApiKeyStore; funders: FunderStore; kick: () => void },
  p: Principal,
  given: ApiKeyInput,
): Promise<ApiKeyCreated> {
  requireRole(p, 'admin', 'funder');
  let input = given;
  if (p.role === 'funder') {
    if (input.role !== 'funder' || input.funderIds !== undefined || input.granteeId !== undefined)
      throw new AppError('forbidden', {
        en: 'a funder creates only funder keys for itself',
        fr: 'un bailleur de fonds ne crée que des clés « funder » pour lui-même',
      });
    if (input.funderId !== undefined && input.funderId !== p.funderId) throw notFound('funder', 'bailleur de fonds');
    input = { ...input, funderId: p.funderId ?? undefined };
  }
  const errors: FieldError[] = [];
  if (input.role === 'funder' && !input.funderId)
    errors.push(fieldError('funderId', { en: 'required for role funder', fr: 'requis pour le rôle funder' }));
  if (input.role === 'auditor' && !input.funderIds?.length)
    errors.push(fieldError('funderIds', { en: 'required for role auditor', fr: 'requis pour le rôle auditor' }));
  if (input.role === 'grantee' && !input.granteeId)
    errors.push(fieldError('granteeId', { en: 'required for role grantee', fr: 'requis pour le rôle grantee' }));
  if (errors.length)
    throw new AppError(
      'validation_failed',
      { en: 'the key is missing its scope', fr: 'la portée de la clé manque' },
      errors,
    );
  const funderIds =
    input.role === 'auditor'
      ? [...new Set(input.funderIds)]
      : input.role === 'funder' && input.funderId
        ? [input.funderId]
        : [];
  for (const [i, f] of funderIds.entries()) {
    if (!(await deps.funders.exists(f))) {
      throw new AppError('validation_failed', { en: 'unknown funder', fr: 'bailleur de fonds inconnu' }, [
        fieldError(input.role === 'funder' ? 'funderId' : `funderIds[${i}]`, {
          en: 'no such funder',
          fr: 'aucun bailleur de fonds avec cet identifiant',
        }),
      ]);
    }
  }
  const id = crypto.randomUUID();
  const { token, secretHash } = newApiKeyToken(id);
  const key = {
    id,
    role: input.role,
    label: input.label,
    secretHash,
    funderId: input.role === 'funder' ? (input.funderId ?? null) : null,
    funderIds,
    granteeId: input.role === 'grantee' ? (input.granteeId ?? null) : null,
  };
  await deps.keys.create(key, {
    type: 'api_key.created.v1',
    subject: id,
    data: {
      keyId: id,
      role: input.role,
      funderId: key.funderId,
      funderIds,
      granteeId: key.granteeId,
      label: input.label,
      actor: { kind: 'api_key', id: p.keyId },
    },
  });
  deps.kick();
  return { id, token, role: key.role, label: key.label, funderId: key.funderId, funderIds, granteeId: key.granteeId };
}
