import crypto from 'node:crypto';
import pg from 'pg';
import { asPrincipal, testEnv, type TestEnv } from '@pc/testkit';
import { startReports, type RunningService } from '../src/main';
import { loadReportsConfig } from '../src/config';
import { AuditBatch } from '../src/adapters/audit-store';
import { verifyAudit, type AuditVerdict } from '../src/use-cases/verify-audit';
import { entryHash, type AuditEntry } from '../src/domain/audit-chain';
import { insertAuditRow } from './helpers';

// An auditor who verifies while the trail grows must never be told it was tampered with; and the
// snapshot that makes that true must not hide real tampering.
jest.setTimeout(240_000);

const WRITERS = 4;
const BATCHES = 25;
// 4 × 25 × 50 = 5,000 entries: enough for the verifier to meet the chain part-way many times; each
// verification reads the whole chain, so the cost grows with the square of this number.
const PER_BATCH = 50;
const TOTAL = WRITERS * BATCHES * PER_BATCH;

let t: TestEnv;
let svc: RunningService;
let pool: pg.Pool;
const funderId = crypto.randomUUID();
const auditor = asPrincipal({ role: 'auditor', funderIds: [funderId] });

beforeAll(async () => {
  t = await testEnv({ LOG_LEVEL: 'silent' });
  svc = await startReports(loadReportsConfig(t.env));
  pool = new pg.Pool({ connectionString: t.databaseUrl, max: WRITERS + 2, options: '-c search_path=reports' });
});
afterAll(async () => {
  await pool?.end();
  await svc?.stop();
  t?.cleanup();
});

/** One writer: appends its batches for the funder, each in its own transaction (as a consumer does). */
async function writer(w: number): Promise<void> {
  for (let b = 0; b < BATCHES; b++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const batch = new AuditBatch();
      for (let i = 0; i < PER_BATCH; i++) {
        batch.add({
          funderId,
          eventId: `w${w}-b${b}-${i}`,
          type: 'obligation.status_changed.v1',
          subject: `obligation/${w}-${b}-${i}`,
          actor: { kind: 'system', id: 'obligations' },
          at: new Date().toISOString(),
          reason: null,
          before: { status: 'upcoming' },
          after: { status: 'due_soon' },
        });
      }
      await batch.flush(client);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
  }
}

async function verifyHttp(): Promise<AuditVerdict> {
  const res = await fetch(`http://127.0.0.1:${svc.port}/v1/audit/verify?funderId=${funderId}`, { headers: auditor });
  expect(res.status).toBe(200);
  return (await res.json()) as AuditVerdict;
}

async function row(seq: number): Promise<AuditEntry> {
  const { rows } = await pool.query('SELECT * FROM audit_event WHERE funder_id = $1 AND seq = $2', [funderId, seq]);
  const r = rows[0];
  return {
    funderId: r.funder_id,
    seq: Number(r.seq),
    eventId: r.event_id,
    type: r.type,
    subject: r.subject,
    actor: { kind: r.actor_kind, id: r.actor_id },
    at: (r.occurred_at as Date).toISOString(),
    reason: r.reason,
    before: r.before,
    after: r.after,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

it('verifying while 5,000 entries are appended by concurrent writers never reports tampering', async () => {
  let writing = true;
  const verdicts: AuditVerdict[] = [];
  const loop = (async () => {
    // alternate the store and the public route: both must read one snapshot
    for (let i = 0; writing; i++) verdicts.push(i % 2 === 0 ? await verifyAudit(pool, funderId) : await verifyHttp());
  })();
  try {
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  } finally {
    writing = false;
    await loop;
  }
  const alarms = verdicts.filter((v) => !v.intact);
  expect(alarms).toEqual([]);
  // the loop really overlapped the appends: it saw the chain part-way, more than once
  const partial = verdicts.filter((v) => v.events > 0 && v.events < TOTAL);
  expect(partial.length).toBeGreaterThanOrEqual(5);
  expect(await verifyAudit(pool, funderId)).toEqual({ intact: true, events: TOTAL });
});

it('still finds an edited row, a deleted last row and an inserted row, each at its seq', async () => {
  // an edited row: its own hash no longer holds
  const edited = await row(4321);
  await pool.query(`UPDATE audit_event SET reason = 'corrigé' WHERE funder_id = $1 AND seq = 4321`, [funderId]);
  expect(await verifyHttp()).toMatchObject({
    intact: false,
    events: TOTAL,
    firstBrokenAt: { seq: 4321, problem: 'hash_mismatch', at: edited.at },
  });
  await pool.query('UPDATE audit_event SET reason = $2 WHERE funder_id = $1 AND seq = 4321', [funderId, edited.reason]);
  expect(await verifyHttp()).toEqual({ intact: true, events: TOTAL });

  // the last row deleted: the chain itself holds, the head names the first missing seq
  const last = await row(TOTAL);
  await pool.query('DELETE FROM audit_event WHERE funder_id = $1 AND seq = $2', [funderId, TOTAL]);
  expect(await verifyHttp()).toMatchObject({
    intact: false,
    events: TOTAL - 1,
    firstBrokenAt: { seq: TOTAL, problem: 'head_mismatch' },
  });
  await insertAuditRow(pool, last);
  expect(await verifyHttp()).toEqual({ intact: true, events: TOTAL });

  // a row inserted after the last one, naively (not linked): its link is wrong
  const replay = { ...(await row(17)), seq: TOTAL + 1, eventId: 'forged-1' };
  await insertAuditRow(pool, replay);
  expect(await verifyHttp()).toMatchObject({
    intact: false,
    events: TOTAL + 1,
    firstBrokenAt: { seq: TOTAL + 1, problem: 'prev_hash_mismatch' },
  });
  // the same row forged with a correct link and hash: only the head can tell, and it names that row
  const { prevHash: _p, hash: _h, ...content } = replay;
  void _p;
  void _h;
  const forgedHash = entryHash(content, last.hash);
  await pool.query('UPDATE audit_event SET prev_hash = $3, hash = $4 WHERE funder_id = $1 AND seq = $2', [
    funderId,
    TOTAL + 1,
    last.hash,
    forgedHash,
  ]);
  expect(await verifyHttp()).toMatchObject({
    intact: false,
    events: TOTAL + 1,
    firstBrokenAt: { seq: TOTAL + 1, problem: 'head_mismatch' },
  });
});
