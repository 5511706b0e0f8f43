import type { EventData } from '@pc/contracts';
import type { HandlerResult } from '@pc/bus';
import type { Tx } from '../adapters/prisma';
import { normalizeEmail } from '../domain/ids';

/*
 * The directory the emails need: funder names and report recipients, programme names, and the
 * contacts of each agreement (who may set preferences for which grantee). Idempotent upserts; an
 * agreement snapshot whose revision is not newer than the stored one is ignored.
 */

/** funder.registered.v1: the funder's name, language and report recipients (copied on escalations). */
export async function recordFunder(d: EventData<'funder.registered.v1'>, tx: Tx): Promise<HandlerResult> {
  const data = { name: d.name, locale: d.locale, reportRecipients: d.reportRecipients.map(normalizeEmail) };
  await tx.funder.upsert({ where: { id: d.funderId }, create: { id: d.funderId, ...data }, update: data });
  return 'done';
}

/** programme.registered.v1: the programme's code and name, as the emails show them. */
export async function recordProgramme(d: EventData<'programme.registered.v1'>, tx: Tx): Promise<HandlerResult> {
  const data = { funderId: d.funderId, code: d.code, name: d.name };
  await tx.programme.upsert({ where: { id: d.programmeId }, create: { id: d.programmeId, ...data }, update: data });
  return 'done';
}

/** agreement.registered.v1 / agreement.amended.v1: who the contacts of the agreement are. */
export async function recordAgreementContacts(d: EventData<'agreement.registered.v1' | 'agreement.amended.v1'>, tx: Tx): Promise<HandlerResult> {
  // Conditional upsert: concurrent snapshots of one agreement serialize on its row, and only a
  // newer revision wins (a read-then-write would let a stale one overwrite a newer one).
  const applied = await tx.$queryRawUnsafe<unknown[]>(
    `INSERT INTO directory_agreement (id, funder_id, grantee_id, revision, updated_at) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, now())
     ON CONFLICT (id) DO UPDATE SET funder_id = EXCLUDED.funder_id, grantee_id = EXCLUDED.grantee_id, revision = EXCLUDED.revision, updated_at = now()
     WHERE directory_agreement.revision < EXCLUDED.revision
     RETURNING id`, d.agreementId, d.funderId, d.grantee.id, d.revision);
  if (applied.length === 0) return 'skipped';
  await tx.agreementContact.deleteMany({ where: { agreementId: d.agreementId } });
  const seen = new Set<string>();
  const contacts = d.contacts
    .map((c) => ({ ...c, email: normalizeEmail(c.email) }))
    .filter((c) => (seen.has(c.email) ? false : (seen.add(c.email), true)));
  if (contacts.length > 0) {
    await tx.agreementContact.createMany({
      data: contacts.map((c) => ({ agreementId: d.agreementId, email: c.email, granteeId: d.grantee.id, funderId: d.funderId, name: c.name, locale: c.locale })),
    });
  }
  return 'done';
}
