/**
 * `pnpm bench absorb-agreements` — how fast the agreements service's status read model absorbs the
 * transitions of an import: 20,000 agreements are imported by CSV (40,000 obligations), then one
 * obligation.transitioned per obligation (40,000, as the obligations service sends them when it
 * learns the import) waits in `agreements.obligations` and is applied by the real consumer until the
 * last status is in the table; beside it, in the same run, the rate at which a plain consumer that
 * only acks drains the same messages, and the ratio.
 * Options (env): BENCH_AGREEMENTS (default 20000). Throwaway database and vhost.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import {
  absorb,
  asPrincipal,
  benchEnv,
  eventually,
  printAbsorb,
  publishEvent,
  TEST_INTERNAL_SECRET,
  wireMessages,
} from '@pc/testkit';
import type { TestEvent } from '@pc/testkit';
import { startAgreements } from '../src/main';
import { loadAgreementsConfig } from '../src/config';
import { STATUS_PREFETCH } from '../src/consumers';

const N = Number(process.env.BENCH_AGREEMENTS ?? 20_000);
const HEADER =
  'external_ref,programme_code,title,amount_cents,currency,start_date,end_date,signed_at,grantee_name,grantee_neq,contact_name,contact_email,contact_locale,requirement_kind,requirement_count,due_anchor,due_offset,due_date';

function csv(n: number): string {
  const lines = [HEADER];
  for (let i = 0; i < n; i++) {
    const month = String((i % 12) + 1).padStart(2, '0');
    const common = `FQ-2027-${String(i).padStart(6, '0')},MOBILISATION,Projet no ${i},${250_000 + i},CAD,2027-${month}-01,2028-${month}-28,,Organisme ${i},,Contact ${i},contact${i}@example.org,fr`;
    lines.push(`${common},learning_note,1,end,P90D,`, `${common},mid_term_note,1,start,P6M,`);
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const env = await benchEnv();
  const db = new pg.Pool({ connectionString: env.databaseUrl, max: 1, options: '-c search_path=agreements' });
  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    (await db.query<{ n: number }>(sql, params)).rows[0]!.n;
  try {
    const cfg = loadAgreementsConfig({
      DATABASE_URL: env.databaseUrl,
      AMQP_URL: env.amqpUrl,
      LOG_LEVEL: 'warn',
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
    });
    // The import the transitions are about, through the service's own routes.
    const svc = await startAgreements(cfg);
    const funderId = crypto.randomUUID();
    await publishEvent(env.amqpUrl, 'funder.registered.v1', {
      funderId,
      name: 'Fondation banc d’essai',
      kind: 'foundation',
      locale: 'fr',
      reportRecipients: [],
      actor: { kind: 'system', id: 'bench' },
    });
    await eventually(async () => (await count('SELECT count(*)::int AS n FROM funder')) === 1, 'funder recorded');
    const base = `http://127.0.0.1:${svc.port}`;
    const auth = asPrincipal({ role: 'funder', funderId });
    const prog = await fetch(`${base}/v1/programmes`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'MOBILISATION', name: 'Mobilisation' }),
    });
    if (prog.status !== 201) throw new Error(`programme: ${prog.status} ${await prog.text()}`);
    const imp = await fetch(`${base}/v1/agreements/import`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/csv' },
      body: csv(N),
    });
    if (imp.status !== 201) throw new Error(`import: ${imp.status} ${(await imp.text()).slice(0, 500)}`);
    await svc.stop(); // its queues and bindings stay, with nobody consuming

    const { rows } = await db.query<{ id: string; agreement_id: string; due: string; kind: string }>(
      `SELECT o.id, o.agreement_id, to_char(o.due_date, 'YYYY-MM-DD') AS due, o.kind FROM obligation o`,
    );
    const at = new Date(Date.now() + 60_000).toISOString();
    const transitions = rows.map((o, i): TestEvent<'obligation.transitioned.v1'> => ({
      type: 'obligation.transitioned.v1',
      subject: o.id,
      data: {
        obligationId: o.id,
        agreementId: o.agreement_id,
        funderId,
        programmeId: funderId,
        granteeId: funderId,
        kind: o.kind as 'learning_note',
        dueDate: o.due,
        from: null,
        to: i % 2 ? 'upcoming' : 'due_soon',
        reason: null,
        at,
        actor: { kind: 'system', id: 'bench' },
      },
    }));
    const result = await absorb({
      label: 'obligation.transitioned → agreements.obligations',
      amqpUrl: env.amqpUrl,
      messages: wireMessages(transitions),
      prefetch: STATUS_PREFETCH,
      start: () => startAgreements(cfg),
      applied: () => count('SELECT count(*)::int AS n FROM obligation WHERE status_at = $1::timestamptz', [at]),
    });
    printAbsorb(`agreements status read model (${transitions.length} transitions of ${N} agreements)`, result);
  } finally {
    await db.end();
    await env.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
