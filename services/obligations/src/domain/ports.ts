/** Ports of the obligations domain: what it needs from the outside, implemented in src/adapters. */
import type { VerificationResponseBody } from '@pc/contracts';
import type { IdOwner, Locale } from '@pc/service-kit';

export interface Clock {
  now(): Date;
  /** today's calendar date in America/Montreal */
  today(): string;
}

export type CheckName =
  'host_allowed' | 'publicly_accessible' | 'mentions_reference' | 'published_in_window' | 'not_already_used';
export interface Check {
  name: CheckName;
  passed: boolean;
  detail: string;
}

/** The note as the connector verified it: the internal contract's answer, shared with the connector. */
export type VerifiedNote = NonNullable<VerificationResponseBody['note']>;

export interface VerificationRequest {
  url: string;
  locale: Locale;
  agreement: {
    id: string;
    funderId: string;
    referenceCode: string;
    externalRef: string;
    startDate: string;
    dueDate: string;
  };
}

/** The Praxis connector's verification of a declared URL (four checks; `note` iff all four passed). */
export interface NoteVerifier {
  verify(req: VerificationRequest): Promise<{ checks: Check[]; note: VerifiedNote | null }>;
}

/** The agreements service, owner of obligation ids: asked when an id has not reached this service yet. */
export type { IdOwner };
