import { VERIFICATIONS_PATH, verificationResponse, type VerificationRequestBody } from '@pc/contracts';
import { internalClient } from '@pc/service-kit';
import type { NoteVerifier, VerificationRequest } from '../domain/ports';

/**
 * NoteVerifier over the praxis-connector's internal route `POST /internal/v1/verifications`, whose
 * request and answer are the schemas of @pc/contracts (the connector parses with the same ones). The
 * call is signed as the obligations service itself (the one internal-call helper); the connector
 * fetches the page (only on the Praxis host) and answers the four checks. Unreachable or malformed
 * answers become 503: the grantee may simply retry.
 */
export function httpNoteVerifier(baseUrl: string, internalSecret: string, timeoutMs = 20_000): NoteVerifier {
  const connector = internalClient({
    caller: 'obligations',
    target: 'praxis-connector',
    baseUrl,
    internalSecret,
    timeoutMs,
  });
  return {
    verify(req: VerificationRequest) {
      const body: VerificationRequestBody = req;
      return connector.post(VERIFICATIONS_PATH, body, verificationResponse);
    },
  };
}
