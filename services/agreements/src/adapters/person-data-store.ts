import type { PersonDataPort, SqlTx } from '@pc/bus';

/**
 * Law 25 in the agreements schema: the person is a contact of agreements (name, email, locale) and
 * may appear in the amendment history's before/after values. An erasure removes the contact rows
 * (the agreement, its grantee and obligations stay: they are the funder's records, not the person's)
 * and replaces the email and names in the history by the keyed pseudonym.
 */
export const agreementsPersonData: PersonDataPort<SqlTx> = {
  async exportOf(tx, email) {
    const contacts = await tx.$queryRawUnsafe<Array<Record<string, unknown>>>(
      `SELECT c.agreement_id AS "agreementId", a.reference_code AS "referenceCode", a.funder_id AS "funderId",
              c.position, c.name, c.email, c.locale, a.created_at AS "agreementCreatedAt", a.updated_at AS "agreementUpdatedAt"
         FROM agreement_contact c JOIN agreement a ON a.id = c.agreement_id
        WHERE lower(c.email) = $1 ORDER BY a.created_at, c.position`,
      email,
    );
    const history = await tx.$queryRawUnsafe<Array<Record<string, unknown>>>(
      `SELECT agreement_id AS "agreementId", revision, kind, at, before, after FROM agreement_history
        WHERE before::text ILIKE $1 OR after::text ILIKE $1 ORDER BY at`,
      `%${email}%`,
    );
    return [
      { kind: 'agreement_contact', description: 'Contact of an agreement (to write to about it)', rows: contacts },
      {
        kind: 'agreement_history',
        description: 'Amendment of an agreement whose values name the contact',
        rows: history,
      },
    ];
  },

  async erase(tx, email, pseudonym) {
    const named = await tx.$queryRawUnsafe<Array<{ name: string }>>(
      `SELECT DISTINCT name FROM agreement_contact WHERE lower(email) = $1`,
      email,
    );
    const names = named.map((r) => r.name);
    const history = await tx.$queryRawUnsafe<Array<{ id: string; before: string; after: string }>>(
      `SELECT id, before::text AS before, after::text AS after FROM agreement_history
        WHERE before::text ILIKE $1 OR after::text ILIKE $1 FOR UPDATE`,
      `%${email}%`,
    );
    for (const h of history) {
      await tx.$executeRawUnsafe(
        `UPDATE agreement_history SET before = $2::jsonb, after = $3::jsonb WHERE id = $1::uuid`,
        h.id,
        scrub(h.before, email, names, pseudonym),
        scrub(h.after, email, names, pseudonym),
      );
    }
    const contacts = await tx.$executeRawUnsafe(`DELETE FROM agreement_contact WHERE lower(email) = $1`, email);
    return { counts: { agreementContacts: contacts, historyEntries: history.length }, names };
  },
};

/** The JSON text with the email and names (as JSON string content) replaced by the pseudonym. */
function scrub(json: string, email: string, names: string[], pseudonym: string): string {
  let out = json;
  for (const v of [email, ...names]) {
    const inner = JSON.stringify(v)
      .slice(1, -1)
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (inner) out = out.replace(new RegExp(inner, 'gi'), pseudonym);
  }
  return out;
}
