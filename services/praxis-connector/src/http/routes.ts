import type { Express } from 'express';
import { z } from 'zod';
import { DEFAULT_LOCALE, invalid, isCalendarDate, LOCALES, principalOf, requireRole } from '@pc/service-kit';
import type { Store } from '../adapters/store';
import type { NotePages } from '../domain/page';
import { verifyDeclared } from '../sync/verify-declared';

const date = z.string().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD');
const body = z.object({
  url: z.string().min(1).max(2048),
  locale: z.enum(LOCALES).default(DEFAULT_LOCALE),
  agreement: z.object({
    id: z.uuid(), funderId: z.uuid(), referenceCode: z.string().min(1).max(200),
    externalRef: z.string().max(200).nullable().default(null), startDate: date, dueDate: date,
  }),
}); // unknown fields are ignored: a caller adding context (obligation id…) must not break verification

/**
 * Internal routes (service to service, not in the public contract: the OpenAPI validator ignores them).
 * POST /internal/v1/verifications — interfaces.md "Internal HTTP".
 */
export function mountRoutes(app: Express, store: Store, pages: NotePages, praxisHost: string): void {
  app.post('/internal/v1/verifications', async (req, res) => {
    const p = principalOf(req);
    // Only a signed service identity reaches this: the edge proxies /v1 paths only, never /internal.
    requireRole(p, 'admin');
    const parsed = body.safeParse(req.body ?? {});
    if (!parsed.success) throw invalid(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    const answer = await verifyDeclared(store, pages, praxisHost, { url: parsed.data.url, locale: parsed.data.locale, agreement: parsed.data.agreement });
    res.status(200).json(answer);
  });
}
