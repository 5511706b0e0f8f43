/* The calls the dashboard and the auditor view make, as the signed-in person (ctx.call). */
import { AppError, type ErrorCode } from '@pc/service-kit';
import type { components } from '@pc/contracts';
import type { PageContext } from '../page';
import type { Called } from '../../adapters/services';

export type ObligationList = components['schemas']['ObligationList'];
export type Agreement = components['schemas']['Agreement'];
export type ObligationDetail = components['schemas']['ObligationDetail'];
export type ApiKeySummary = components['schemas']['ApiKeySummary'];
export type Problem = components['schemas']['Problem'];

/** What the dashboard reads of the compliance report (the JSON format's fields it shows). */
export interface ReportSummary {
  asOf: string;
  scope: { funders: { id: string; name: string }[] };
  byProgramme: {
    funderId: string;
    programmeCode: string;
    agreements: number;
    obligations: number;
    byStatus: Record<string, number>;
    complianceRate: number | null;
  }[];
  grantees: { granteeId: string; name: string }[];
}

const CODE_OF: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'validation_failed',
  429: 'rate_limited',
  503: 'unavailable',
};

/** A service's problem as the page's error (its status, its text in the person's language: the call asked for it). */
export async function problemOf(r: Response): Promise<AppError> {
  const p = (await r.json().catch(() => null)) as Problem | null;
  const text = p?.detail ?? p?.title ?? `HTTP ${r.status}`;
  return new AppError(
    CODE_OF[r.status] ?? 'internal',
    { fr: text, en: text },
    p?.errors?.map((e) => ({ ...e })),
    {
      ...(r.headers.get('retry-after') ? { retryAfterSeconds: Number(r.headers.get('retry-after')) } : {}),
    },
  );
}

/** The JSON answer of a call, or its problem thrown as the page's error. */
export async function read<T>(ctx: PageContext, s: Called, path: string, init?: RequestInit): Promise<T> {
  const r = await ctx.call!(s, path, init);
  if (!r.ok) throw await problemOf(r);
  return (await r.json()) as T;
}

/** The query string of a plain object (empty values left out). */
export function qs(q: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** One string of the page's query (a repeated or missing parameter is absent). */
export function param(ctx: PageContext, k: string): string | undefined {
  const v = (ctx.req.query as Record<string, unknown>)[k];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** One field of a posted form. */
export function field(ctx: PageContext, k: string): string {
  const v = (ctx.req.body as Record<string, unknown> | undefined)?.[k];
  return typeof v === 'string' ? v : '';
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id of the pages: anything but a uuid is, as for the API, not found. */
export function idParam(ctx: PageContext, k = 'id'): string {
  const v = (ctx.req.params as Record<string, string | undefined>)[k] ?? '';
  if (!UUID.test(v))
    throw new AppError('not_found', { fr: 'Cette page n’existe pas.', en: 'This page does not exist.' });
  return v.toLowerCase();
}
