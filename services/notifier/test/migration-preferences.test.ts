import crypto from 'node:crypto';
import path from 'node:path';
import { migrationSandbox, type MigrationSandbox } from '@pc/testkit';

// The migration that made contact preferences per (grantee, email), on a database holding choices
// made per address: each choice is kept for every grantee the address is a contact of (what it
// meant until then), and the failing state stays the address's.
jest.setTimeout(120_000);
let box: MigrationSandbox;
let db: MigrationSandbox['db'];
beforeAll(async () => {
  box = await migrationSandbox(path.join(__dirname, '..', 'prisma', 'migrations'), 'upgrade_prefs');
  db = box.db;
  await box.run('_baseline');
});
afterAll(async () => {
  await box?.cleanup();
});

it('copies each address’s chosen locale to every grantee it is a contact of, then drops the column', async () => {
  const id = (): string => crypto.randomUUID();
  const [A1, A2, G1, G2, F] = [id(), id(), id(), id(), id()];
  await db.query(
    `INSERT INTO agreement_contact (agreement_id, email, grantee_id, funder_id, name, locale)
     VALUES ($1, 'a@x.example', $3, $5, 'A', 'fr'), ($2, 'a@x.example', $4, $5, 'A', 'fr'), ($2, 'b@x.example', $4, $5, 'B', 'fr')`,
    [A1, A2, G1, G2, F],
  );
  await db.query(
    `INSERT INTO contact (email, locale, failing_at) VALUES ('a@x.example', 'en', NULL), ('b@x.example', NULL, now())`,
  );
  await box.run('_contact_preference_per_grantee');
  const { rows } = await db.query('SELECT grantee_id, email, locale FROM contact_preference');
  expect(rows).toHaveLength(2);
  expect(rows).toEqual(
    expect.arrayContaining([
      { grantee_id: G1, email: 'a@x.example', locale: 'en' },
      { grantee_id: G2, email: 'a@x.example', locale: 'en' },
    ]),
  );
  const contact = await db.query(`SELECT * FROM contact WHERE email = 'b@x.example'`);
  expect(contact.rows[0].failing_at).not.toBeNull();
  expect(Object.keys(contact.rows[0])).not.toContain('locale');
});
