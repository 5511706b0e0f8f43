import { VERIFICATIONS_PATH, verificationResponse, type VerificationRequestBody } from '@pc/contracts';
import { AppError, serviceClient } from '@pc/service-kit';
import type { NoteVerifier, VerificationRequest } from '../domain/ports';

/**
 * NoteVerifier over the praxis-connector's internal route `POST /internal/v1/verifications`, whose
 * request and answer are the schemas of @pc/contracts (the connector parses with the same ones). The
 * call is signed as the obligations service itself, for this one request (`serviceClient`); the
 * connector fetches the page (only on the Praxis host) and answers the four checks. Unreachable or
 * malformed answers become 503: the grantee may simply retry.
 */
export function httpNoteVerifier(baseUrl: string, internalSecret: string, timeoutMs = 20_000): NoteVerifier {
  const connector = serviceClient({
    caller: 'obligations',
    audience: 'praxis-connector',
    baseUrl,
    secret: internalSecret,
  });
  return {
    async verify(req: VerificationRequest) {
      const body: VerificationRequestBody = req;
      let res: Response;
      try {
        res = await connector(VERIFICATIONS_PATH, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
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
