import fc from 'fast-check';
import pg from 'pg';
import { eventId, sqlEventId } from '@pc/contracts';
import { freshDatabase } from '@pc/testkit';

// eventId lives in @pc/contracts (pure, usable from domain code); its SQL twin needs a database.
let db: pg.Client;
beforeAll(async () => {
  db = new pg.Client({ connectionString: await freshDatabase() });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
});

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('eventId', () => {
  it('gives the same version-5 UUID for the same parts, another for other parts or another order', () => {
    const o = '0b6f3f0e-3c1a-4b2e-9a55-1f2d3c4b5a69';
    expect(eventId(o, 'D-7')).toBe(eventId(o, 'D-7'));
    expect(eventId(o, 'D-7')).toMatch(UUID_V5);
    expect(eventId(o, 'D-7')).not.toBe(eventId(o, 'D0'));
    expect(eventId('a', 'b')).not.toBe(eventId('b', 'a'));
    expect(eventId('reports', 'job.finished', o, 'running')).not.toBe(
      eventId('praxis-connector', 'job.finished', o, 'running'),
    );
  });

  it('keeps the layout reminder ids were stored with (a changed layout would send a stage twice)', () => {
    // Value computed before the helpers were merged, by the obligations service's own function.
    expect(eventId('0b6f3f0e-3c1a-4b2e-9a55-1f2d3c4b5a69', 'D-7')).toBe('58c19917-8a4d-5f57-99ab-f727e1b40e07');
  });

  it('is computed identically by sqlEventId inside PostgreSQL, for any parts', async () => {
    const part = fc.oneof(fc.string(), fc.uuid(), fc.constantFrom('Montréal', 'é:ü', 'D+30', ''));
    await fc.assert(
      fc.asyncProperty(fc.array(part, { minLength: 1, maxLength: 4 }), async (parts) => {
        const sql = sqlEventId(...parts.map((_, i) => `$${i + 1}::text`));
        const { rows } = await db.query<{ id: string }>(`SELECT ${sql} AS id`, parts);
        expect(rows[0]!.id).toBe(eventId(...parts));
      }),
      { numRuns: 200 },
    );
  });
});
