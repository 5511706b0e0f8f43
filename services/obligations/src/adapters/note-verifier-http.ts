import { z } from 'zod';
import { AppError, signPrincipal } from '@pc/service-kit';
import type { NoteVerifier, VerificationRequest } from '../domain/ports';

const response = z.object({
  checks: z.array(z.object({
    name: z.enum(['host_allowed', 'publicly_accessible', 'mentions_reference', 'published_in_window']),
    passed: z.boolean(), detail: z.string(),
  })),
  note: z.object({
    url: z.string(), noteId: z.string(), title: z.string(), textSha256: z.string(), publishedOn: z.string().nullable(),
    firstSeenAt: z.string(), verifiedAt: z.string(), late: z.boolean(),
  }).nullable(),
});

/**
 * NoteVerifier over the praxis-connector's internal API (interfaces.md). The call is signed as the
 * obligations service itself; the connector fetches the page (only on the Praxis host) and answers
 * the four checks. Unreachable or malformed answers become 503: the grantee may simply retry.
 */
export function httpNoteVerifier(baseUrl: string, internalSecret: string, timeoutMs = 20_000): NoteVerifier {
  const principal = signPrincipal({ keyId: 'system:obligations', role: 'admin', funderId: null, funderIds: [], granteeId: null }, internalSecret);
  return {
    async verify(req: VerificationRequest) {
      let res: Response;
      try {
        res = await fetch(new URL('/internal/v1/verifications', baseUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-pc-principal': principal },
          body: JSON.stringify(req),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new AppError('unavailable', `the Praxis connector cannot be reached (${(err as Error).message}); try again later`);
      }
      if (!res.ok) throw new AppError('unavailable', `the Praxis connector answered ${res.status}; try again later`);
      const parsed = response.safeParse(await res.json().catch(() => null));
      if (!parsed.success) throw new AppError('unavailable', 'the Praxis connector gave an unexpected answer; try again later');
      return parsed.data;
    },
  };
}
