import type { components } from '@pc/contracts';
import { AppError, type Locale } from '@pc/service-kit';
import { readAgreement } from '../domain/agreement';
import { details, issuesToError, issueText } from '../domain/messages';
import { registerAgreements, type IntakeDeps } from './register-agreements';

export type AgreementInput = components['schemas']['AgreementInput'];

/**
 * POST /v1/agreements: one agreement through the intake. New → created; the same externalRef with
 * the same content → the existing one, nothing written; with other content → 409.
 */
export async function registerAgreement(
  intake: IntakeDeps,
  funderId: string,
  actorKeyId: string,
  input: AgreementInput,
  locale: Locale,
): Promise<{ id: string; created: boolean }> {
  const { draft, issues } = readAgreement(input);
  if (issues.length > 0) throw issuesToError(issues, locale, details.t(locale, 'invalid_agreement'));
  const result = await registerAgreements(intake, funderId, actorKeyId, [draft]);
  if (result.kind === 'invalid') {
    const found = result.issues.map((i) => i.issue);
    if (found.every((i) => i.code === 'conflict_external_ref')) {
      throw new AppError(
        'conflict',
        details.t(locale, 'conflict'),
        found.map((i) => ({ path: i.path, message: issueText(locale, i) })),
      );
    }
    throw issuesToError(found, locale, details.t(locale, 'invalid_agreement'));
  }
  return result.results[0]!;
}
