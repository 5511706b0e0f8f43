import crypto from 'node:crypto';
import path from 'node:path';
import { migrationSandbox, type MigrationSandbox } from '@pc/testkit';

// The migration that made grantees per funder, on a database that holds the joins made before it:
// a NEQ grantee two funders shared stays one organisation (a link recorded as made by the
// migration), each funder's agreements point at a grantee row of that funder, and no agreement
// changes the organisation id events and views carry.
jest.setTimeout(120_000);
let box: MigrationSandbox;
let db: MigrationSandbox['db'];
beforeAll(async () => {
  box = await migrationSandbox(path.join(__dirname, '..', 'prisma', 'migrations'), 'upgrade_grantees');
  db = box.db;
  await box.run('_baseline');
});
afterAll(async () => {
  await box?.cleanup();
});

it('keeps a shared NEQ grantee as the first funder’s, gives the other funder its own row linked to it', async () => {
  const id = (): string => crypto.randomUUID();
  const [F1, F2, P1, P2, G, N] = [id(), id(), id(), id(), id(), id()];
  await db.query(
    `INSERT INTO programme (id, funder_id, code, name, reminder_stages, default_requirements)
                  VALUES ($1, $2, 'P', 'P', '[]', '[]'), ($3, $4, 'P', 'P', '[]', '[]')`,
    [P1, F1, P2, F2],
  );
  await db.query(
    `INSERT INTO grantee (id, neq, name, scope_funder_id) VALUES ($1, '1234567890', 'Org', NULL), ($2, NULL, 'Sans NEQ', $3)`,
    [G, N, F2],
  );
  const agreement = (id: string, funder: string, programme: string, grantee: string, at: string) =>
    db.query(
      `INSERT INTO agreement (id, funder_id, programme_id, grantee_id, external_ref, reference_code, title, start_date, end_date, content_hash, created_at)
       VALUES ($1::uuid, $2, $3, $4, $1::text, $1::text, 't', '2027-01-01', '2027-12-31', 'h', $5)`,
      [id, funder, programme, grantee, at],
    );
  const [a1, a2, a3] = [id(), id(), id()];
  await agreement(a1, F1, P1, G, '2026-01-01T00:00:00Z');
  await agreement(a2, F2, P2, G, '2026-02-01T00:00:00Z');
  await agreement(a3, F2, P2, N, '2026-03-01T00:00:00Z');

  await box.run('_grantee_per_funder');

  const { rows: grantees } = await db.query(
    'SELECT id, scope_funder_id AS funder, identity, linked_to, linked_by FROM grantee ORDER BY created_at, id',
  );
  const f2row = grantees.find((g) => g.funder === F2 && g.identity === 'neq:1234567890');
  expect(grantees).toEqual(
    expect.arrayContaining([
      { id: G, funder: F1, identity: 'neq:1234567890', linked_to: null, linked_by: null },
      { id: N, funder: F2, identity: 'name:Sans NEQ', linked_to: null, linked_by: null },
      { id: expect.any(String), funder: F2, identity: 'neq:1234567890', linked_to: G, linked_by: 'migration' },
    ]),
  );
  expect(grantees).toHaveLength(3);
  const { rows: agreements } = await db.query(
    `SELECT a.id, a.grantee_id, COALESCE(g.linked_to, g.id) AS shown FROM agreement a JOIN grantee g ON g.id = a.grantee_id`,
  );
  const byId = new Map(agreements.map((a) => [a.id, a]));
  expect(byId.get(a1)).toMatchObject({ grantee_id: G, shown: G });
  expect(byId.get(a2)).toMatchObject({ grantee_id: f2row.id, shown: G });
  expect(byId.get(a3)).toMatchObject({ grantee_id: N, shown: N });
});
