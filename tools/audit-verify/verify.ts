// Verifies a Praxis compliance audit export offline, from the rule in README.md ("Audit trail").
// Usage: npx tsx verify.ts export.ndjson  (exit 0 intact, 1 broken, 2 window export)
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const FIELDS = ['funderId', 'seq', 'eventId', 'type', 'subject', 'actor', 'at', 'reason', 'before', 'after'];
const canon = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(canon).join(',')}]`
  : v !== null && typeof v === 'object'
    ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`).join(',')}}`
    : JSON.stringify(v); // strings: UTF-8, non-ASCII as is; numbers: integers
const fail = (code: number, msg: string): never => (console.log(msg), process.exit(code));
const lines = readFileSync(process.argv[2]!, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const trailer = lines.at(-1)?.type === 'audit.head' ? lines.pop() : null;
if (trailer?.window) fail(2, 'période seulement / time window only: export without from/to');
let prev = '0'.repeat(64), seq = 0;
for (const e of lines) {
  if (e.seq !== seq + 1) fail(1, `rompue / broken at seq ${seq + 1}: entrée manquante / missing entry`);
  const hash = createHash('sha256').update(canon(Object.fromEntries(FIELDS.map((f) => [f, e[f]]))) + prev, 'utf8').digest('hex');
  if (e.prevHash !== prev || e.hash !== hash) fail(1, `rompue / broken at seq ${e.seq}: entrée modifiée / edited entry`);
  [prev, seq] = [hash, e.seq];
}
if (!trailer) fail(1, `rompue / broken at seq ${seq + 1}: pas de ligne de tête / no trailer (cut short)`);
if (trailer.head.seq !== seq || trailer.head.hash !== prev) fail(1, `rompue / broken at seq ${seq + 1}: fin supprimée / tail deleted`);
console.log(`intacte / intact: ${seq} entries, head ${seq} ${prev}`);
