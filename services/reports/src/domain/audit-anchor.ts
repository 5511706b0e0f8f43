import type { Locale } from '@pc/service-kit';
import type { AuditHeadStamp } from './compliance';

/*
 * How a published audit head reads in a report and its email (fr/en). The head is the anchor: a
 * copy of the chain's state held by the funder's recipients, outside the database it protects.
 */
const text: Record<Locale, { heading: string; line: (h: AuditHeadStamp) => string; keep: string }> = {
  fr: {
    heading: "Tête de la chaîne d'audit",
    line: (h) => `seq ${h.seq} · hash ${h.hash} · lue le ${h.at}`,
    keep:
      'Conservez ces valeurs : POST /v1/audit/verify (ou pnpm audit:verify --head seq:hash sur un export) prouve plus tard ' +
      "que la chaîne d'audit contient toujours cette entrée, même si elle avait été réécrite en entier.",
  },
  en: {
    heading: 'Audit chain head',
    line: (h) => `seq ${h.seq} · hash ${h.hash} · read at ${h.at}`,
    keep:
      'Keep these values: POST /v1/audit/verify (or pnpm audit:verify --head seq:hash on an export) later proves that ' +
      'the audit chain still holds this entry, even if it had been rewritten whole.',
  },
};

export function auditHeadText(head: AuditHeadStamp, locale: Locale): { heading: string; line: string; keep: string } {
  const t = text[locale];
  return { heading: t.heading, line: t.line(head), keep: t.keep };
}
