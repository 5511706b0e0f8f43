/**
 * Watermarks: how far a producer's outbox has gone, and how far a consumer's queue has consumed it.
 * A producer answers `GET /internal/v1/outbox/watermark` (mounted on every service by the runtime)
 * from its `outbox`; a consumer counts its `inbox`. Both count rows numbered in (floor, watermark]
 * of the types bound to one queue, so the two numbers are equal exactly when the queue has
 * consumed every such event (see catch-up.ts for why counting the inbox first makes this exact).
 */
import type pg from 'pg';
import {
  AppError,
  fieldError,
  invalid,
  PRINCIPAL_HEADER,
  requireServiceCaller,
  serviceClient,
  SeenSignatures,
  verifyPrincipal,
  type HttpAppOptions,
} from '@pc/service-kit';
import { WATERMARK_PATH, watermarkQuery, watermarkResponse, type WatermarkResponse } from '@pc/contracts';

/** What a producer is asked: the types of one queue, counted above `above` and up to `upto` (the current watermark when absent). */
export interface WatermarkAsk {
  types: readonly string[];
  above: number;
  upto?: number;
}

const WATERMARK_SQL = `
WITH h AS (SELECT purged_through AS floor FROM outbox_horizon),
     w AS (SELECT COALESCE($3::bigint, GREATEST((SELECT COALESCE(max(seq), 0) FROM outbox), (SELECT floor FROM h))) AS watermark)
SELECT (SELECT watermark FROM w)::text AS watermark, (SELECT floor FROM h)::text AS floor,
       (SELECT count(*) FROM outbox
         WHERE seq > GREATEST($2::bigint, (SELECT floor FROM h)) AND seq <= (SELECT watermark FROM w)
           AND type = ANY($1::text[]))::int AS count`;

/** The producer's side, from its own outbox (one statement: one snapshot). */
export async function outboxWatermark(pool: pg.Pool, service: string, ask: WatermarkAsk): Promise<WatermarkResponse> {
  const {
    rows: [r],
  } = await pool.query<{ watermark: string; floor: string; count: number }>(WATERMARK_SQL, [
    ask.types,
    ask.above,
    ask.upto ?? null,
  ]);
  return { service, watermark: Number(r!.watermark), floor: Number(r!.floor), count: r!.count };
}

/** The consumer's side: messages of `source` with these types that `queue` consumed, numbered in (above, upto]. */
export async function inboxCount(
  pool: pg.Pool,
  queue: string,
  source: string,
  types: readonly string[],
  above: number,
  upto: number,
): Promise<number> {
  const {
    rows: [r],
  } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM inbox
     WHERE consumer = $1 AND source = $2 AND seq > $3::bigint AND seq <= $4::bigint AND type = ANY($5::text[])`,
    [queue, source, above, upto, types],
  );
  return r?.n ?? 0;
}

type App = Parameters<HttpAppOptions['routes']>[0];

/** Mounts the producer's side as the internal route every service answers (another service's signed identity only). */
export function mountWatermarkRoute(app: App, opts: { service: string; pool: pg.Pool; internalSecret: string }): void {
  // signatures this route accepted itself (per replica), when the app did not verify them already
  const seen = new SeenSignatures();
  app.get(WATERMARK_PATH, async (req, res) => {
    // Verified here with the runtime's own secret (an app may be served without one), for this very
    // request and this service; an internal route admits service identities only. An app that has
    // the secret verified it already (and would take a second check for a replay).
    const header = req.headers[PRINCIPAL_HEADER];
    requireServiceCaller(
      req.principal ??
        verifyPrincipal(
          typeof header === 'string' ? header : undefined,
          opts.internalSecret,
          { method: req.method, target: req.originalUrl, audience: opts.service },
          Date.now(),
          seen,
        ),
    );
    const q = watermarkQuery.safeParse(req.query);
    if (!q.success) {
      throw invalid(
        q.error.issues.map((i) =>
          fieldError(i.path.join('.'), { en: i.message, fr: `paramètre invalide : ${i.message}` }),
        ),
      );
    }
    res.json(await outboxWatermark(opts.pool, opts.service, q.data));
  });
}

/** Asks a producer over HTTP, signed as `asker`; throws (with the reason) when it cannot be asked. */
export async function askWatermark(
  baseUrl: string,
  producer: string,
  asker: string,
  internalSecret: string,
  ask: WatermarkAsk,
  timeoutMs = 5000,
): Promise<WatermarkResponse> {
  const query = new URLSearchParams({ types: ask.types.join(','), above: String(ask.above) });
  if (ask.upto !== undefined) query.set('upto', String(ask.upto));
  const send = serviceClient({ caller: asker, audience: producer, baseUrl, secret: internalSecret });
  const res = await send(`${WATERMARK_PATH}?${query.toString()}`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new AppError('unavailable', `${producer} (${baseUrl}) answered ${res.status}`);
  return watermarkResponse.parse(await res.json());
}
