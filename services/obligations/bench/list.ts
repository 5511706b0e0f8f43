/**
 * Benchmark: the dashboard's obligation list at 40,000 obligations per funder
 * (`pnpm bench list-obligations`).
 *
 * Fresh database; two funders of 20,000 agreements × 2 obligations each (80,000 rows), statuses and
 * due dates spread, seeded in SQL. Each query of the dashboard (first page of each sort, a status
 * filter, a due window, free text, a grantee, a deep page) runs through `searchObligations` (the
 * route's SQL, total included), median of 5; the raw limit is the plainest indexed read of the same
 * funder in the same run: its first 50 rows by (due date, id) and a count(*) of its rows.
 * Env: BENCH_AGREEMENTS (default 20000 per funder); BENCH_NO_ANALYZE=1 runs the queries before the
 * tables have statistics, as right after a bulk import (the plans must hold there too).
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { obligationsAlone } from './alone';
import { createPrisma } from '../src/adapters/prisma';
import { searchObligations } from '../src/adapters/obligation-list-store';
import { decodeSearchCursor, likePattern, type Sort } from '../src/domain/obligation-search';

const AGREEMENTS = Number(process.env.BENCH_AGREEMENTS ?? 20_000);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = process.hrtime.bigint();
    await fn();
    runs.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  return median(runs);
}

async function main(): Promise<void> {
  const alone = await obligationsAlone('bench_list');
  const { databaseUrl } = alone;
  const pool = new pg.Pool({ connectionString: databaseUrl, options: '-c search_path=obligations', max: 4 });
  const prisma = createPrisma(pool);
  try {
    const funders = [crypto.randomUUID(), crypto.randomUUID()];
    const t0 = Date.now();
    await pool.query(
      `INSERT INTO agreement (id, funder_id, programme_id, programme_code, external_ref, reference_code, title, start_date, end_date,
        grantee_id, grantee_name, contacts, revision)
       SELECT gen_random_uuid(), f, gen_random_uuid(), 'PRG' || (g % 5), 'EXT-' || g, 'PX-' || lpad(g::text, 8, '0'),
         'Entente ' || g, '2027-01-01', '2027-12-31', gen_random_uuid(), 'Organisme ' || (g % 3000), '[]', 1
       FROM unnest($1::uuid[]) f CROSS JOIN generate_series(1, $2::int) g`,
      [funders, AGREEMENTS],
    );
    await pool.query(
      `INSERT INTO obligation (id, agreement_id, funder_id, programme_id, grantee_id, requirement_id, kind, sequence,
         due_date, derived_due_date, status)
       SELECT gen_random_uuid(), a.id, a.funder_id, a.programme_id, a.grantee_id, a.id, 'learning_note', s, d, d,
         (ARRAY['upcoming','upcoming','due_soon','overdue','fulfilled','fulfilled','waived','extended'])[1 + abs(hashtext(a.id::text || s)) % 8]
       FROM agreement a CROSS JOIN generate_series(1, 2) s
       CROSS JOIN LATERAL (SELECT DATE '2027-01-01' + (abs(hashtext(a.id::text || s || 'd')) % 730) AS d) dd`,
    );
    // BENCH_NO_ANALYZE: the tables as a bulk import leaves them, before autovacuum has analysed them
    if (!process.env.BENCH_NO_ANALYZE) await pool.query('ANALYZE');
    const perFunder = Number(
      (await pool.query('SELECT count(*) AS n FROM obligation WHERE funder_id = $1', [funders[0]])).rows[0].n,
    );
    console.log(`seeded ${perFunder} obligations per funder (2 funders) in ${Date.now() - t0} ms`);
    const funderId = funders[0]!;
    const grantee = (await pool.query('SELECT grantee_id FROM obligation WHERE funder_id = $1 LIMIT 1', [funderId]))
      .rows[0].grantee_id as string;

    const raw = await time(async () => {
      await pool.query(
        `SELECT o.id FROM obligation o JOIN agreement a ON a.id = o.agreement_id WHERE o.funder_id = $1
         ORDER BY o.due_date, o.id LIMIT 51`,
        [funderId],
      );
      await pool.query('SELECT count(*) FROM obligation WHERE funder_id = $1', [funderId]);
    });
    const run = (sort: Sort, f: Parameters<typeof searchObligations>[2], cursor?: string) => () =>
      searchObligations(prisma, [funderId], f, sort, 50, cursor ? decodeSearchCursor(cursor, sort) : null);

    // a page 200 deep: the cursor of row 10,000 in due order
    let deep = await searchObligations(prisma, [funderId], {}, 'dueDate', 10_000, null);
    const deepCursor = deep.nextCursor!;
    deep = { ...deep, data: [] };

    const cases: [string, () => Promise<unknown>][] = [
      ['first page, due date', run('dueDate', {})],
      ['first page, latest due first', run('-dueDate', {})],
      ['first page, by status', run('status', {})],
      ['first page, by grantee', run('grantee', {})],
      ['status = overdue', run('dueDate', { status: 'overdue' })],
      ['due window of 30 days', run('dueDate', { dueAfter: '2027-06-01', dueBefore: '2027-06-30' })],
      [
        'overdue in a due window',
        run('dueDate', { status: 'overdue', dueAfter: '2027-06-01', dueBefore: '2027-06-30' }),
      ],
      ['text "organisme 12"', run('dueDate', { like: likePattern('organisme 12') })],
      ['text "PX-0001"', run('status', { like: likePattern('PX-0001') })],
      ['text "PX-" (every row)', run('dueDate', { like: likePattern('PX-') })],
      ['one grantee', run('dueDate', { granteeId: grantee })],
      ['page 201 (row 10,000), due date', run('dueDate', {}, deepCursor)],
    ];
    console.log(`raw limit (first 50 by due date + count of the funder's rows): ${raw.toFixed(1)} ms`);
    let worst = 0;
    for (const [name, fn] of cases) {
      const ms = await time(fn);
      worst = Math.max(worst, ms);
      console.log(`${name.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms   ×${(ms / raw).toFixed(1)} the raw limit`);
    }
    console.log(`worst: ${worst.toFixed(1)} ms (×${(worst / raw).toFixed(1)})`);
  } finally {
    await prisma.$disconnect();
    await pool.end();
    await alone.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
