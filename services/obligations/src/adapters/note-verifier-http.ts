import { VERIFICATIONS_PATH, verificationResponse, type VerificationRequestBody } from '@pc/contracts';
import { AppError, signPrincipal } from '@pc/service-kit';
import type { NoteVerifier, VerificationRequest } from '../domain/ports';

/**
 * NoteVerifier over the praxis-connector's internal route `POST /internal/v1/verifications`, whose
 * request and answer are the schemas of @pc/contracts (the connector parses with the same ones). The
 * call is signed as the obligations service itself; the connector fetches the page (only on the
 * Praxis host) and answers the four checks. Unreachable or malformed answers become 503: the
 * grantee may simply retry.
 */
export function httpNoteVerifier(baseUrl: string, internalSecret: string, timeoutMs = 20_000): NoteVerifier {
  const principal = signPrincipal(
    { keyId: 'system:obligations', role: 'admin', funderId: null, funderIds: [], granteeId: null },
    internalSecret,
  );
  return {
    async verify(req: VerificationRequest) {
      const body: VerificationRequestBody = req;
      let res: Response;
      try {
        res = await fetch(new URL(VERIFICATIONS_PATH, baseUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-pc-principal': principal },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new AppError(
          'unavailable',
          `the Praxis connector cannot be reached (${(err as Error).message}); try again later`,
        );
      }
      if (!res.ok) throw new AppError('unavailable', `the Praxis connector answered ${res.status}; try again later`);
      const parsed = verificationResponse.safeParse(await res.json().catch(() => null));
      if (!parsed.success)
        throw new AppError('unavailable', 'the Praxis connector gave an unexpected answer; try again later');
      return parsed.data;
    },
  };
}
