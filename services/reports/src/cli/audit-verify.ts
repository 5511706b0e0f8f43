/**
 * Verifies an audit export with no database (README, "Audit trail"):
 *   pnpm audit:verify <export.ndjson> [--head <seq>:<hash>]… [--lang fr|en]
 * Exit 0: intact. Exit 1: broken (the first bad seq is named). Exit 2: not an export, or bad usage.
 * `--head` adds a head published earlier (a report's or its email's `auditHead`): the export must
 * still hold it. Messages in French unless `--lang en` (or an English `LANG`).
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { BreakKind, PublishedHead } from '../domain/audit-chain';
import { verifyExport } from '../use-cases/verify-export';

type Lang = 'fr' | 'en';
const problems: Record<Lang, Record<BreakKind, string>> = {
  fr: {
    sequence_gap: 'entrée manquante (numéros non consécutifs)',
    prev_hash_mismatch: "le prevHash ne reprend pas le hash de l'entrée précédente",
    hash_mismatch: "le hash ne correspond pas au contenu de l'entrée (entrée modifiée)",
    head_mismatch: "la tête de la ligne finale n'est pas la dernière entrée (entrées supprimées à la fin ou ajoutées)",
    no_trailer: "pas de ligne finale de tête : l'export a été tronqué",
    published_head_mismatch: 'une tête publiée ne correspond plus : la chaîne a été réécrite',
    published_head_missing: "la chaîne n'atteint plus une tête publiée : des entrées ont été retirées",
  },
  en: {
    sequence_gap: 'missing entry (seqs not consecutive)',
    prev_hash_mismatch: "prevHash is not the previous entry's hash",
    hash_mismatch: "the hash does not match the entry's content (edited entry)",
    head_mismatch: 'the trailer head is not the last entry (entries deleted at the end, or added)',
    no_trailer: 'no trailer line: the export was cut short',
    published_head_mismatch: 'a published head no longer matches: the chain was rewritten',
    published_head_missing: 'the chain no longer reaches a published head: entries were removed',
  },
};
const text = {
  fr: {
    noFile: (f: string) => `fichier introuvable : ${f}`,
    usage: 'usage : pnpm audit:verify <export.ndjson> [--head <seq>:<hash>]… [--lang fr|en]',
    badHead: (h: string) =>
      `tête invalide « ${h} » : attendu <seq>:<hash>, hash de 64 caractères hexadécimaux minuscules`,
    unreadable: (line: number, why: string) => `ligne ${line} : ${why}; ce fichier n'est pas un export d'audit`,
    reasons: {
      not_json: "ce n'est pas du JSON",
      not_an_entry: "ce n'est pas une entrée",
      trailer_not_last: 'la ligne finale de tête est suivie d’autres lignes',
    },
    intact: (n: number, seq: number, hash: string) => `Chaîne intacte : ${n} entrées, tête seq ${seq} (${hash}).`,
    partial: (n: number) =>
      `Export limité à une période : les ${n} entrées ont chacune un hash juste, mais une période n'est pas une chaîne complète (exportez sans from/to pour la prouver).`,
    broken: (seq: number, why: string) => `Chaîne rompue à l'entrée seq ${seq} : ${why}.`,
    head: (seq: number, ok: boolean) =>
      `Tête publiée seq ${seq} : ${ok ? 'toujours dans la chaîne' : 'ne tient plus'}.`,
  },
  en: {
    noFile: (f: string) => `no such file: ${f}`,
    usage: 'usage: pnpm audit:verify <export.ndjson> [--head <seq>:<hash>]… [--lang fr|en]',
    badHead: (h: string) => `invalid head "${h}": expected <seq>:<hash>, a 64-character lowercase hex hash`,
    unreadable: (line: number, why: string) => `line ${line}: ${why}; this file is not an audit export`,
    reasons: {
      not_json: 'not JSON',
      not_an_entry: 'not an entry',
      trailer_not_last: 'the trailer line is followed by other lines',
    },
    intact: (n: number, seq: number, hash: string) => `Chain intact: ${n} entries, head seq ${seq} (${hash}).`,
    partial: (n: number) =>
      `Export limited to a time window: each of the ${n} entries has a correct hash, but a window is not a whole chain (export without from/to to prove it).`,
    broken: (seq: number, why: string) => `Chain broken at entry seq ${seq}: ${why}.`,
    head: (seq: number, ok: boolean) => `Published head seq ${seq}: ${ok ? 'still in the chain' : 'no longer holds'}.`,
  },
};

async function main(argv: string[]): Promise<number> {
  let lang: Lang = /^en/i.test(process.env.LANG ?? '') ? 'en' : 'fr';
  const li = argv.indexOf('--lang');
  if (li >= 0) lang = argv[li + 1] === 'en' ? 'en' : 'fr';
  const t = text[lang];
  const files: string[] = [];
  const heads: PublishedHead[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--lang') i += 1;
    else if (a === '--head') {
      const m = /^([1-9]\d*):([0-9a-f]{64})$/.exec(argv[i + 1] ?? '');
      if (!m) {
        console.error(t.badHead(argv[i + 1] ?? ''));
        return 2;
      }
      heads.push({ seq: Number(m[1]), hash: m[2]! });
      i += 1;
    } else if (a !== '--') files.push(a);
  }
  if (files.length !== 1) {
    console.error(t.usage);
    return 2;
  }
  // pnpm runs scripts from the workspace root; a relative path is the caller's
  const file = path.resolve(process.env.INIT_CWD ?? process.cwd(), files[0]!);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    console.error(t.noFile(file));
    return 2;
  }
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const v = await verifyExport(lines, heads);
  if (v.kind === 'unreadable') {
    console.error(t.unreadable(v.line, t.reasons[v.reason]));
    return 2;
  }
  for (const h of v.heads) console.log(t.head(h.seq, h.holds));
  if (v.firstBrokenAt) {
    console.log(t.broken(v.firstBrokenAt.seq, problems[lang][v.firstBrokenAt.problem]));
    return 1;
  }
  if (v.partial) console.log(t.partial(v.events));
  else console.log(t.intact(v.events, v.trailer!.head.seq, v.trailer!.head.hash));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error).message);
    process.exit(2);
  },
);
