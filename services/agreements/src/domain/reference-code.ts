/**
 * referenceCode: the short code a grantee writes in its Praxis note so the note is matched to the
 * agreement, e.g. `PX-7K3M-9Q2D`.
 *
 * - Alphabet of 31 symbols without 0/O, 1/I/L (they are confused when read aloud or typed).
 * - 7 random symbols (31^7 ≈ 2.75e10 codes) + 1 check symbol.
 * - Check symbol: weighted sum modulo 31 with weights 1..8 (the ISBN-10 scheme on a prime modulus).
 *   Because 31 is prime and the weights are distinct and non-zero mod 31, EVERY single-symbol
 *   substitution and EVERY transposition of two symbols (adjacent or not) changes the sum, so a
 *   typo is detected instead of being matched to another agreement. (Luhn mod N misses some
 *   transpositions; Damm needs a quasigroup table — this scheme is simpler and catches more.)
 */
export const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const N = REFERENCE_ALPHABET.length; // 31, prime
const PAYLOAD = 7;
const PREFIX = 'PX';

function valueOf(ch: string): number {
  return REFERENCE_ALPHABET.indexOf(ch);
}

/** The check symbol for 7 payload symbols: makes Σ (i+1)·v(i) over all 8 symbols ≡ 0 (mod 31). */
export function checkSymbol(payload: string): string {
  if (payload.length !== PAYLOAD) throw new Error(`payload must be ${PAYLOAD} symbols`);
  let sum = 0;
  for (let i = 0; i < PAYLOAD; i++) {
    const v = valueOf(payload[i]!);
    if (v < 0) throw new Error(`symbol ${payload[i]} is not in the alphabet`);
    sum += (i + 1) * v;
  }
  // Solve 8·c ≡ −sum (mod 31); 8⁻¹ ≡ 4 (mod 31) since 8·4 = 32 ≡ 1.
  const c = ((((-sum % N) + N) % N) * 4) % N;
  return REFERENCE_ALPHABET[c]!;
}

/** Formats 7 payload symbols as `PX-XXXX-XXXC` (C = check symbol). */
export function formatReferenceCode(payload: string): string {
  const all = payload + checkSymbol(payload);
  return `${PREFIX}-${all.slice(0, 4)}-${all.slice(4)}`;
}

/** A new code from a source of random integers in [0, 31) (injected so tests are deterministic). */
export function newReferenceCode(randomIndex: (n: number) => number): string {
  let payload = '';
  for (let i = 0; i < PAYLOAD; i++) payload += REFERENCE_ALPHABET[randomIndex(N)]!;
  return formatReferenceCode(payload);
}

/**
 * Normalises what a person typed (case, spaces, hyphens, missing prefix) and checks it.
 * Returns the canonical code, or null when it is not a valid code (wrong length, symbol outside
 * the alphabet, or a check failure — i.e. a typo).
 */
export function parseReferenceCode(text: string): string | null {
  let s = text.toUpperCase().replace(/[\s-]/g, '');
  if (s.startsWith(PREFIX) && s.length === PREFIX.length + PAYLOAD + 1) s = s.slice(PREFIX.length);
  if (s.length !== PAYLOAD + 1) return null;
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const v = valueOf(s[i]!);
    if (v < 0) return null;
    sum += (i + 1) * v;
  }
  if (sum % N !== 0) return null;
  return `${PREFIX}-${s.slice(0, 4)}-${s.slice(4)}`;
}

export const isValidReferenceCode = (text: string): boolean => parseReferenceCode(text) !== null;
