/**
 * The obligation list of funders and auditors (`GET /v1/obligations`): filters, free text, sorts,
 * keyset pages and the total, in plain SQL (one filtered page joined with its agreement).
 *
 * Indexes that serve it (schema.prisma): `obligation_funder_due_idx` (funder, due date, id) for the
 * default order and due windows, `obligation_funder_status_due_idx` (funder, status, due date, id)
 * for a status filter in due order, `obligation_grantee_due_idx` for a grantee filter. A sort by status
 * or grantee, and the free text, read the funder's rows through the funder index and sort them; the
 * bench `pnpm bench list-obligations` measures that at 40,000 obligations per funder.
 */
import { STATUS_ORDER, encodeSearchCursor, type SearchKeyset, type Sort } from '../domain/obligation-search';
import { obligationFields, type ObligationRow, type ObligationView } from './obligation-store';
import type { Db } from './prisma';

/**
 * A row of the funders' list: it carries no `funderName` (the funder knows its own, the dashboard
 * names an auditor's funders from the report's scope), so this tuned query joins nothing more.
 */
export interface ListedObligation extends Omit<ObligationView, 'funderName'> {
  granteeName: string;
}

export interface ObligationList {
  data: ListedObligation[];
  nextCursor: string | null;
  total: number;
}

export interface SearchFilters {
  status?: string;
  programme?: string;
  dueBefore?: string;
  dueAfter?: string;
  agreementId?: string;
  granteeId?: string;
  /** a LIKE pattern (already escaped) matched against grantee name, title, external ref, reference code */
  like?: string | null;
}

interface Row extends ObligationRow {
  grantee_name: string;
  status_rank: number;
}

/** The sort's own leading key, as SQL, and how a page's last row names it. */
const SORT_KEY: Record<Sort, { sql: string | null; of: (r: Row) => string | number | null }> = {
  dueDate: { sql: null, of: () => null },
  '-dueDate': { sql: null, of: () => null },
  status: { sql: 'array_position($STATUSES::text[], o.status)', of: (r) => r.status_rank },
  grantee: { sql: 'a.grantee_name', of: (r) => r.grantee_name },
};

export async function searchObligations(
  db: Db,
  funderIds: string[],
  f: SearchFilters,
  sort: Sort,
  limit: number,
  after: SearchKeyset | null,
): Promise<ObligationList> {
  const params: unknown[] = [[...STATUS_ORDER]];
  const where: string[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  // One funder (every funder, most auditors) as `=`: an `= ANY(array)` scan does not give the index
  // order in PostgreSQL 15, so the first page would sort every row of the funder.
  // With a text, the funder is taken on the agreement (the same funder: an obligation is its
  // agreement's): the matching agreements are found first, then their obligations by agreement id.
  // On the obligation, before a bulk import was analysed, the planner intersected the funder index
  // for every matching agreement (19 s at 40,000 obligations; 0.05 s this way, statistics or not).
  const owner = f.like ? 'a' : 'o';
  where.push(
    funderIds.length === 1
      ? `${owner}.funder_id = ${p(funderIds[0])}::uuid`
      : `${owner}.funder_id = ANY(${p(funderIds)}::uuid[])`,
  );
  if (f.status) where.push(`o.status = ${p(f.status)}`);
  // only the programme filter and the text need the agreement row in the count
  const countFrom = f.programme || f.like ? 'obligation o JOIN agreement a ON a.id = o.agreement_id' : 'obligation o';
  if (f.programme) where.push(`a.programme_code = ${p(f.programme)}`);
  if (f.dueBefore) where.push(`o.due_date <= ${p(f.dueBefore)}::date`);
  if (f.dueAfter) where.push(`o.due_date >= ${p(f.dueAfter)}::date`);
  if (f.agreementId) where.push(`o.agreement_id = ${p(f.agreementId)}::uuid`);
  if (f.granteeId) where.push(`o.grantee_id = ${p(f.granteeId)}::uuid`);
  if (f.like) {
    // On the joined agreement row (with the funder above), not as `agreement_id IN (SELECT …)`.
    const n = p(f.like);
    where.push(
      `(a.grantee_name ILIKE ${n} OR a.title ILIKE ${n} OR a.external_ref ILIKE ${n} OR a.reference_code ILIKE ${n})`,
    );
  }
  const filtered = [...where];
  const countParams = [...params];

  const key = SORT_KEY[sort].sql?.replace('$STATUSES', '$1');
  const desc = sort === '-dueDate';
  if (after) {
    const cols = key ? `(${key}, o.due_date, o.id)` : '(o.due_date, o.id)';
    const vals = key
      ? `(${p(after.key)}${sort === 'status' ? '::int' : ''}, ${p(after.dueDate)}::date, ${p(after.id)}::uuid)`
      : `(${p(after.dueDate)}::date, ${p(after.id)}::uuid)`;
    where.push(`${cols} ${desc ? '<' : '>'} ${vals}`);
  }
  const order = desc ? 'o.due_date DESC, o.id DESC' : `${key ? `${key}, ` : ''}o.due_date, o.id`;
  const lim = p(limit + 1);
  const [rows, counted] = await Promise.all([
    db.$queryRawUnsafe<Row[]>(
      `SELECT o.id, o.agreement_id, o.funder_id, o.grantee_id, a.grantee_name, a.programme_code, a.external_ref,
         a.reference_code, a.title, o.kind, o.sequence, to_char(o.due_date, 'YYYY-MM-DD') AS due_date, o.status,
         array_position($1::text[], o.status) AS status_rank, o.fulfilled_at, o.late
       FROM obligation o JOIN agreement a ON a.id = o.agreement_id
       WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${lim}`,
      ...params,
    ),
    db.$queryRawUnsafe<{ n: bigint }[]>(
      // $1 (the status order) is unused here but keeps the numbering of the shared conditions.
      `SELECT count(*) AS n FROM ${countFrom}
       WHERE $1::text[] IS NOT NULL AND ${filtered.join(' AND ')}`,
      ...countParams,
    ),
  ]);
  const more = rows.length > limit;
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return {
    data: data.map((r) => ({ ...obligationFields(r), granteeName: r.grantee_name })),
    nextCursor:
      more && last
        ? encodeSearchCursor({ sort, key: SORT_KEY[sort].of(last), dueDate: last.due_date, id: last.id })
        : null,
    total: Number(counted[0]?.n ?? 0),
  };
}
