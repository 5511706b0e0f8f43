/**
 * Benchmark: read your writes through the edge (`pnpm bench read-your-writes`).
 *
 * The whole system as the e2e tests start it (tests/e2e/system.ts: every service behind the edge,
 * fresh database and vhost). Printed, each beside its raw limit measured in the same run, with the
 * ratio:
 *  1. 404s: an unknown obligation id and another tenant's (known to the obligations service) take
 *     the same path (the owner is asked in the caller's scope): their latencies should not tell them
 *     apart (ratio ≈ 1). Raw limit: the same route answering 200 for an obligation found locally.
 *  2. Register then waive at once: the waiver's latency, which includes waiting for the agreement
 *     snapshot to cross the bus when it has not yet, beside the waiver of an obligation already here.
 * Env: BENCH_404 (default 300 of each kind), BENCH_ROUNDS (default 100).
 */
import os from 'node:os';
import { median } from '@pc/testkit';
import { ADMIN, json, startSystem } from '../e2e/system';

const N404 = Number(process.env.BENCH_404 ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const UNKNOWN = () => crypto.randomUUID();

const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} ms, p90 ${p90(xs).toFixed(1)} ms`;
/** the obligations service's outcome counters, read from its /metrics through nothing but HTTP */
async function outcomes(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^projection_lookups_total\{what="obligation",outcome="(\w+)"\} (\d+)$/gm))
    out[m[1]!] = Number(m[2]);
  return out;
}

async function main(): Promise<void> {
  const sys = await startSystem({ bench: true });
  try {
    const timed = async (method: string, path: string, token: string, body?: unknown) => {
      const t0 = performance.now();
      const res = await sys.call(method, path, token, body);
      await res.arrayBuffer();
      return { status: res.status, ms: performance.now() - t0 };
    };
    const key = async (body: Record<string, unknown>) =>
      (await json<{ token: string }>(await sys.call('POST', '/v1/api-keys', ADMIN, { label: 'b', ...body }), 201))
        .token;
    const funder = async (name: string) =>
      (await json<{ id: string }>(await sys.call('POST', '/v1/funders', ADMIN, { name, kind: 'foundation' }), 201)).id;
    const a = await key({ role: 'funder', funderId: await funder('A') });
    const b = await key({ role: 'funder', funderId: await funder('B') });
    await json(await sys.call('POST', '/v1/programmes', a, { code: 'BENCH', name: 'Bench' }), 201);
    const register = async (ref: string) =>
      (
        await json<{ obligations: { id: string }[] }>(
          await sys.call('POST', '/v1/agreements', a, {
            externalRef: ref,
            programmeCode: 'BENCH',
            title: ref,
            startDate: '2027-01-01',
            endDate: '2027-12-31',
            grantee: { name: 'Organisme', contacts: [] },
            requirements: [{ kind: 'learning_note', count: 2, due: { anchor: 'end', offset: 'P90D' } }],
          }),
          201,
        )
      ).obligations.map((o) => o.id);
    const [known] = await register('KNOWN');
    if ((await timed('GET', `/v1/obligations/${known}`, a)).status !== 200) throw new Error('not served');

    // 1. 404s, interleaved so that load drifts hit every kind alike
    const unknown: number[] = [];
    const foreign: number[] = [];
    const local: number[] = [];
    for (let i = 0; i < N404; i++) {
      const u = await timed('GET', `/v1/obligations/${UNKNOWN()}`, b);
      const f = await timed('GET', `/v1/obligations/${known}`, b);
      const l = await timed('GET', `/v1/obligations/${known}`, a);
      if (u.status !== 404 || f.status !== 404 || l.status !== 200)
        throw new Error(`unexpected ${u.status} ${f.status} ${l.status}`);
      unknown.push(u.ms);
      foreign.push(f.ms);
      local.push(l.ms);
    }

    // 2. register then waive at once, vs the waiver of an obligation registered a round earlier
    const metricsUrl = `${sys.serviceUrls.obligations}/metrics`;
    const before = await outcomes(metricsUrl);
    const atOnce: number[] = [];
    const settled: number[] = [];
    let earlier: string | null = null;
    for (let i = 0; i < ROUNDS; i++) {
      const [first, second] = await register(`R-${i}`);
      const w = await timed('POST', `/v1/obligations/${first}/waiver`, a, { reason: 'bench' });
      if (w.status !== 200) throw new Error(`waiver at once: ${w.status}`);
      atOnce.push(w.ms);
      if (earlier) {
        const s = await timed('POST', `/v1/obligations/${earlier}/waiver`, a, { reason: 'bench' });
        if (s.status !== 200) throw new Error(`waiver of an earlier one: ${s.status}`);
        settled.push(s.ms);
      }
      earlier = second!;
    }
    const after = await outcomes(metricsUrl);
    const delta = (o: string) => (after[o] ?? 0) - (before[o] ?? 0);

    console.log(
      `load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} (${os.cpus().length} cores)`,
    );
    console.log(`1. 404 on GET /v1/obligations/{id} through the edge, ${N404} of each, interleaved`);
    console.log(`   unknown id                      ${fmt(unknown)}`);
    console.log(`   another tenant's (known here)   ${fmt(foreign)}`);
    console.log(`   raw: 200, found locally         ${fmt(local)}`);
    console.log(
      `   ratio another tenant's / unknown: median ${(median(foreign) / median(unknown)).toFixed(3)}, p90 ` +
        `${(p90(foreign) / p90(unknown)).toFixed(3)}; a 404 costs ${(median(unknown) / median(local)).toFixed(2)}× a local 200`,
    );
    console.log(`2. register then waive, ${ROUNDS} rounds`);
    console.log(
      `   waiver at once                  ${fmt(atOnce)} (${delta('served_after_wait')} waited for the snapshot, ${delta('timed_out')} answered 503)`,
    );
    console.log(`   raw: waiver of an earlier one   ${fmt(settled)}`);
    console.log(`   ratio at once / raw: median ${(median(atOnce) / median(settled)).toFixed(2)}`);
  } finally {
    await sys.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
