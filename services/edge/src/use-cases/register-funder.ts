import crypto from 'node:crypto';
import { requireRole, type Principal } from '@pc/service-kit';
import type { components } from '@pc/contracts';
import type { FunderStore } from '../adapters/funder-store';

type FunderInput = components['schemas']['FunderInput'];
type Funder = components['schemas']['Funder'];

/** Registers a funder, a tenant (admin only), and tells every service through funder.registered.v1. */
export async function registerFunder(
  deps: { funders: FunderStore; kick: () => void },
  p: Principal,
  input: FunderInput,
): Promise<Funder> {
  requireRole(p, 'admin');
  const id = crypto.randomUUID();
  const funder = {
    id,
    name: input.name,
    kind: input.kind,
    locale: input.locale ?? 'fr',
    reportRecipients: input.reportRecipients ?? [],
  };
  const created = await deps.funders.create(funder, {
    type: 'funder.registered.v1',
    subject: id,
    data: {
      funderId: id,
      name: funder.name,
      kind: funder.kind,
      locale: funder.locale,
      reportRecipients: funder.reportRecipients,
      actor: { kind: 'api_key', id: p.keyId },
    },
  });
  deps.kick();
  return { ...funder, createdAt: created.createdAt.toISOString() };
}
