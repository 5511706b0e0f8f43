import { catalog, type Locale } from '@pc/service-kit';

/** Response fields that are secrets: shown to the caller once, never kept in an idempotency record. */
const SECRET_FIELDS = ['token'] as const;

/**
 * The bytes an idempotency record may keep of a response: a JSON object loses its secret fields and
 * says so (`tokenWithheld: true`). `POST /v1/api-keys` answers the key's token once; its replay
 * gives the key's metadata without it (the contract says what a client does then).
 */
export function withholdSecrets(contentType: string | null, body: Buffer): Buffer {
  if (!contentType || !/[/+]json\b/.test(contentType)) return body;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return body;
  const record = value as Record<string, unknown>;
  const found = SECRET_FIELDS.filter((f) => f in record);
  if (found.length === 0) return body;
  for (const f of found) delete record[f];
  return Buffer.from(JSON.stringify({ ...record, tokenWithheld: true }));
}

const notices = catalog({
  fr: {
    withheld:
      "Cette clé a déjà été créée par la même requête; son jeton n'est montré qu'une fois, à la création, et n'est pas conservé. S'il est perdu, révoquez cette clé et créez-en une autre.",
  },
  en: {
    withheld:
      'This key was already created by the same request; its token is shown only once, at creation, and is not kept. If it was lost, revoke this key and create another.',
  },
});

/** A replayed record that had a secret withheld carries a notice in the caller's language. */
export function replayBody(contentType: string | null, body: Buffer, locale: Locale): Buffer {
  if (!contentType || !/[/+]json\b/.test(contentType)) return body;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (!value || typeof value !== 'object' || (value as { tokenWithheld?: unknown }).tokenWithheld !== true) return body;
  return Buffer.from(JSON.stringify({ ...value, notice: notices.t(locale, 'withheld') }));
}
