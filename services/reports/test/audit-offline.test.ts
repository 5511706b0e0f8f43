import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { asPrincipal, eventually, type TestEnv } from '@pc/testkit';
import type { RunningService } from '../src/main';
import { link, GENESIS_HASH, type AuditEntry } from '../src/domain/audit-chain';
import { publish, startService, stopService, World } from './helpers';

/*
 * The offline verifiers against real exports: the two short ones an auditor can read beside the
 * README's rule (tools/audit-verify/verify.ts and verify.py, written from that rule only, importing
 * nothing of the service) and `pnpm audit:verify` (the service's own verifier, no database). All
 * three must agree on an intact export and on each kind of tampering a copy can suffer.
 */
jest.setTimeout(120_000);

const root = path.resolve(__dirname, '../../..');
let t: TestEnv;
let svc: RunningService;
let db: pg.Client;
let base: string;
let dir: string;
const A = new World();
const asA = asPrincipal({ role: 'funder', funderId: A.funderId });

interface Run {
  code: number;
  out: string;
}
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: root, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}
const tsx = (file: string, ...args: string[]) => run(process.execPath, ['--import', 'tsx', file, ...args]);
const verifiers: Record<string, (file: string) => Promise<Run>> = {
  'verify.ts': (f) => tsx('tools/audit-verify/verify.ts', f),
  'verify.py': (f) => run('python3', ['tools/audit-verify/verify.py', f]),
  'pnpm audit:verify': (f) => tsx('services/reports/src/cli/audit-verify.ts', f, '--lang', 'en'),
};

async function exportText(): Promise<string> {
  const res = await fetch(`${base}/v1/audit/events?funderId=${A.funderId}`, { headers: asA });
  expect(res.status).toBe(200);
  return res.text();
}
function save(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}
const linesOf = (text: string) => text.split('\n').filter(Boolean);

beforeAll(async () => {
  ({ t, svc, base, db } = await startService());
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-offline-'));
  // non-ASCII everywhere an outsider's encoding could differ: accents, ’, an emoji, a tab
  A.funder('Fondation l’Érable 🌱', 'fr');
  const p = A.programme('SAVOIRS', 'Savoirs partagés — « ouverts »');
  const a = A.agreement(p, 'E-1', {
    title: 'Cuisine\tcollective à Québec',
    grantee: { name: 'Œuvre des Îles' },
    dues: ['2026-05-01'],
  });
  A.transition(a, a.obligationIds[0]!, '2026-05-01', null, 'upcoming');
  A.transition(a, a.obligationIds[0]!, '2026-05-01', 'upcoming', 'extended', { reason: 'inondation à l’été' });
  A.transition(a, a.obligationIds[0]!, '2026-05-01', 'extended', 'waived', { reason: 'exemption accordée' });
  await publish(t.amqpUrl, A.events);
  await eventually(
    async () =>
      (await db.query('SELECT count(*)::int AS n FROM reports.audit_event WHERE funder_id = $1', [A.funderId])).rows[0]
        .n === A.events.length,
    'audit entries',
  );
});
afterAll(async () => {
  await stopService({ t, svc, db });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('offline verification of an export', () => {
  let lines: string[] = [];
  const N = () => lines.length - 1; // entries: every line but the trailer

  beforeAll(async () => {
    lines = linesOf(await exportText());
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'audit.head', head: { seq: A.events.length } });
    expect(lines.join('\n')).toContain('l’Érable 🌱'); // exported as is, not \u-escaped
  });

  it('all three say a real export is intact', async () => {
    const file = save('intact.ndjson', lines);
    for (const [name, verify] of Object.entries(verifiers)) {
      const r = await verify(file);
      expect({ name, code: r.code }).toEqual({ name, code: 0 });
      expect(r.out).toMatch(/intact/);
    }
  });

  it.each([
    ['an edited entry', 'edited', 3, (l: string[]) => l.map((x, i) => (i === 2 ? x.replace('SAVOIRS', 'SAVOIR') : x))],
    ['a deleted middle entry', 'missing', 3, (l: string[]) => l.filter((_, i) => i !== 2)],
    ['a deleted tail (last entries removed, trailer kept)', 'tail', 0, (l: string[]) => [...l.slice(0, -3), l.at(-1)!]],
    ['a copy cut short (trailer and last entry gone)', 'no trailer', 0, (l: string[]) => l.slice(0, -2)],
  ])('all three catch %s and name the first bad seq', async (_what, _kind, seqOrTail, tamper) => {
    const tampered = tamper(lines);
    expect(tampered).not.toEqual(lines);
    const file = save(`tampered-${_kind}.ndjson`, tampered);
    // a deleted tail: the first missing seq is the one after the last entry kept
    const seq = seqOrTail || tampered.filter((l) => !l.includes('"audit.head"')).length + 1;
    for (const [name, verify] of Object.entries(verifiers)) {
      const r = await verify(file);
      expect({ name, code: r.code }).toEqual({ name, code: 1 });
      expect({ name, out: r.out }).toEqual({ name, out: expect.stringContaining(`seq ${seq}`) });
    }
  });

  it('pnpm audit:verify speaks French by default and English on request, and refuses what is not an export', async () => {
    const intact = save('intact-lang.ndjson', lines);
    const fr = await run('pnpm', ['--silent', 'audit:verify', intact]);
    expect(fr).toEqual({ code: 0, out: expect.stringContaining(`Chaîne intacte : ${N()} entrées`) });
    const en = await run('pnpm', ['--silent', 'audit:verify', intact, '--lang', 'en']);
    expect(en.out).toContain(`Chain intact: ${N()} entries`);
    const cut = save('cut.ndjson', lines.slice(0, -1));
    const frCut = await tsx('services/reports/src/cli/audit-verify.ts', cut);
    expect(frCut).toEqual({
      code: 1,
      out: expect.stringContaining(`Chaîne rompue à l'entrée seq ${N() + 1} : pas de ligne finale`),
    });
    const notJson = save('garbage.ndjson', [lines[0]!, '{oops']);
    expect(await tsx('services/reports/src/cli/audit-verify.ts', notJson)).toEqual({
      code: 2,
      out: expect.stringContaining("ligne 2 : ce n'est pas du JSON"),
    });
    expect((await tsx('services/reports/src/cli/audit-verify.ts', path.join(dir, 'absent.ndjson'))).code).toBe(2);
    expect((await tsx('services/reports/src/cli/audit-verify.ts', intact, '--head', '3:ABC')).out).toContain(
      'tête invalide',
    );
  });

  it('a chain rewritten whole passes every verifier alone, and fails against a head published before', async () => {
    const published = JSON.parse(lines.at(-1)!).head as { seq: number; hash: string };
    // whoever controls the database edits an entry and recomputes every hash and the head row
    const entries = lines.slice(0, -1).map((l) => JSON.parse(l) as AuditEntry);
    let head = { seq: 0, hash: GENESIS_HASH };
    await db.query('BEGIN');
    for (const e of entries) {
      const { seq: _s, prevHash: _p, hash: _h, ...content } = e;
      const edited = e.seq === 4 ? { ...content, reason: 'à la demande du bénéficiaire' } : content;
      const l = link(head, edited);
      await db.query(
        'UPDATE reports.audit_event SET reason = $3, prev_hash = $4, hash = $5 WHERE funder_id = $1 AND seq = $2',
        [A.funderId, l.seq, l.reason, l.prevHash, l.hash],
      );
      head = { seq: l.seq, hash: l.hash };
    }
    await db.query('UPDATE reports.audit_head SET hash = $2 WHERE funder_id = $1', [A.funderId, head.hash]);
    await db.query('COMMIT');

    const rewritten = save('rewritten.ndjson', linesOf(await exportText()));
    for (const [name, verify] of Object.entries(verifiers))
      expect({ name, code: (await verify(rewritten)).code }).toEqual({ name, code: 0 });
    const r = await tsx(
      'services/reports/src/cli/audit-verify.ts',
      rewritten,
      '--head',
      `${published.seq}:${published.hash}`,
    );
    expect(r).toEqual({
      code: 1,
      out: expect.stringContaining(
        `Chaîne rompue à l'entrée seq ${published.seq} : une tête publiée ne correspond plus`,
      ),
    });
  });
});
