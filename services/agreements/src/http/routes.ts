import crypto from 'node:crypto';
import type { Express, Request } from 'express';
import type pg from 'pg';
import { AppError, invalid, localeOf, notFound, principalOf, readableFunders, requireRole, writingFunder, type Principal } from '@pc/service-kit';
import type { PrismaClient } from '../adapters/prisma';
import { CsvSyntaxError, parseCsv } from '../adapters/csv';
import { amendAgreement, issuesToError, registerProgramme, terminateAgreement, type AmendInput, type ProgrammeInput } from '../adapters/commands';
import { createIntakeStore } from '../adapters/intake-store';
import { agreementInclude, agreementView, decodeCursor, encodeCursor, programmeView } from '../adapters/views';
import { readAgreement } from '../domain/agreement';
import { readCsvRecords } from '../domain/csv-import';
import { details, issueMessages, issueText } from '../domain/messages';
import { registerAgreements, type IntakeDeps } from '../domain/register-agreements';
import type { Prisma } from '../generated/prisma/client';

export interface RouteDeps {
  prisma: PrismaClient;
  pool: pg.Pool;
  /** publish committed outbox rows now */
  kick: () => void;
  /** today's calendar date in America/Montreal (injected: tests pin it) */
  today: () => string;
  /** told how long each phase of a successful CSV import took (ms); also logged */
  onImport?: (t: ImportReport) => void;
  logger?: { info(obj: object, msg: string): void };
}

export interface ImportReport { agreements: number; obligations: number; bytes: number; phasesMs: Record<string, number> }

/** Errors listed at most in one response; the detail gives the total. */
const MAX_LISTED_ERRORS = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function readerScope(p: Principal): string[] {
  requireRole(p, 'funder', 'auditor');
  return readableFunders(p);
}

function page(req: Request): { limit: number; after: { createdAt: Date; id: string } | null } {
  const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
  const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
  const after = cursor ? decodeCursor(cursor) : null;
  if (cursor && !after) throw invalid([{ path: 'cursor', message: details.t(localeOf(req), 'unknown_cursor') }]);
  return { limit, after };
}

const afterCursor = (after: { createdAt: Date; id: string } | null) =>
  after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {};

/**
 * Uniform random integers in [0, n) for n ≤ 256 from a pooled CSPRNG buffer (rejection sampling keeps
 * it unbiased): 20,000 reference codes need 140,000 draws, and crypto.randomInt per draw costs more.
 */
function randomIndexSource(): (n: number) => number {
  let buf = crypto.randomBytes(4096);
  let i = 0;
  return (n) => {
    const limit = 256 - (256 % n);
    for (;;) {
      if (i >= buf.length) { buf = crypto.randomBytes(4096); i = 0; }
      const b = buf[i++]!;
      if (b < limit) return b % n;
    }
  };
}

/** Funder routes of the agreements service (programmes, agreements, CSV import). */
export function mountRoutes(app: Express, deps: RouteDeps): void {
  const { prisma, kick } = deps;
  const intake: IntakeDeps = {
    store: createIntakeStore(deps.pool, () => crypto.randomUUID()),
    newId: () => crypto.randomUUID(),
    randomIndex: randomIndexSource(),
    today: deps.today,
  };

  const loadAgreement = async (id: string, funders: string[], p: Principal, history: boolean): Promise<Record<string, unknown>> => {
    if (!UUID.test(id)) throw notFound('agreement');
    const a = await prisma.agreement.findFirst({ where: { id, funderId: { in: funders } }, include: agreementInclude });
    if (!a) throw notFound('agreement');
    const h = history ? await prisma.agreementHistory.findMany({ where: { agreementId: id }, orderBy: { revision: 'asc' } }) : undefined;
    return agreementView(a, { contacts: p.role === 'funder', ...(h ? { history: h } : {}) });
  };

  app.post('/v1/programmes', async (req, res) => {
    const p = principalOf(req);
    const funderId = writingFunder(p);
    const id = await registerProgramme(prisma, funderId, req.body as ProgrammeInput, p, localeOf(req));
    kick();
    res.status(201).json(programmeView(await prisma.programme.findUniqueOrThrow({ where: { id } })));
  });

  app.get('/v1/programmes', async (req, res) => {
    const funders = readerScope(principalOf(req));
    const { limit, after } = page(req);
    const rows = await prisma.programme.findMany({
      where: { funderId: { in: funders }, ...afterCursor(after) },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: limit + 1,
    });
    const more = rows.length > limit;
    const data = rows.slice(0, limit);
    const last = data.at(-1);
    res.json({ data: data.map(programmeView), nextCursor: more && last ? encodeCursor(last.createdAt, last.id) : null });
  });

  app.post('/v1/agreements', async (req, res) => {
    const p = principalOf(req);
    const funderId = writingFunder(p);
    const locale = localeOf(req);
    const { draft, issues } = readAgreement(req.body as Record<string, unknown>);
    if (issues.length > 0) throw issuesToError(issues, locale, details.t(locale, 'invalid_agreement'));
    const result = await registerAgreements(intake, funderId, p.keyId, [draft]);
    if (result.kind === 'invalid') {
      const found = result.issues.map((i) => i.issue);
      if (found.every((i) => i.code === 'conflict_external_ref')) {
        throw new AppError('conflict', details.t(locale, 'conflict'), found.map((i) => ({ path: i.path, message: issueText(locale, i) })));
      }
      throw issuesToError(found, locale, details.t(locale, 'invalid_agreement'));
    }
    const [r] = result.results;
    if (result.created > 0) kick();
    res.status(r!.created ? 201 : 200).json(await loadAgreement(r!.id, [funderId], p, false));
  });

  app.post('/v1/agreements/import', async (req, res) => {
    const p = principalOf(req);
    const funderId = writingFunder(p);
    const locale = localeOf(req);
    const decoded = req.csv;
    const t0 = performance.now();
    let mark = t0;
    const phases: Record<string, number> = {};
    const lap = (name: string): void => { const now = performance.now(); phases[name] = Math.round(now - mark); mark = now; };
    if (!decoded) throw new AppError('unsupported_media_type', { en: 'send the file as Content-Type: text/csv', fr: 'envoyez le fichier en Content-Type: text/csv' });
    if (!decoded.ok) {
      throw invalid([{ row: 1, column: '', message: details.t(locale, 'encoding', decoded.encoding) }], details.t(locale, 'encoding', decoded.encoding));
    }
    let records: string[][];
    try {
      records = parseCsv(decoded.text);
    } catch (err) {
      if (!(err instanceof CsvSyntaxError)) throw err;
      throw invalid([{ row: err.row, column: '', message: issueMessages.t(locale, 'csv_syntax', { value: err.message }) }], issueMessages.t(locale, 'csv_syntax', { value: err.message }));
    }
    lap('parse');
    if (records.length < 2) throw invalid([{ row: 1, column: '', message: details.t(locale, 'empty_csv') }], details.t(locale, 'empty_csv'));
    const { agreements, issues } = readCsvRecords(records);
    const fail = (list: Array<{ row: number; column: string; message: string }>, conflict = false): never => {
      const sorted = list.sort((a, b) => a.row - b.row);
      const detail = details.t(locale, 'invalid_csv', sorted.length, Math.min(sorted.length, MAX_LISTED_ERRORS));
      throw new AppError(conflict ? 'conflict' : 'validation_failed', detail, sorted.slice(0, MAX_LISTED_ERRORS));
    };
    if (issues.length > 0) fail(issues.map((i) => ({ row: i.row, column: i.column, message: issueText(locale, i) })));
    lap('validate');
    const result = await registerAgreements(intake, funderId, p.keyId, agreements.map((a) => a.draft));
    if (result.kind === 'invalid') {
      const list = result.issues.map(({ index, issue }) => ({ ...agreements[index]!.locate(issue.path), message: issueText(locale, issue) }));
      fail(list, result.issues.every((i) => i.issue.code === 'conflict_external_ref'));
      return;
    }
    if (result.created > 0) kick();
    const storeMs = Object.values(result.timings).reduce((a, b) => a + b, 0);
    lap('register');
    const report: ImportReport = {
      agreements: result.created, obligations: result.obligationsCreated, bytes: decoded.ok ? decoded.text.length : 0,
      phasesMs: { ...phases, derive_and_check: (phases.register ?? 0) - storeMs, ...result.timings, total: Math.round(performance.now() - t0) },
    };
    delete report.phasesMs.register;
    deps.logger?.info({ import: report }, 'CSV import committed');
    deps.onImport?.(report);
    res.status(201).json({ created: result.created, unchanged: result.unchanged, obligationsCreated: result.obligationsCreated });
  });

  app.get('/v1/agreements', async (req, res) => {
    const p = principalOf(req);
    const funders = readerScope(p);
    const { limit, after } = page(req);
    const where: Prisma.AgreementWhereInput = {
      funderId: { in: funders }, ...afterCursor(after),
      ...(typeof req.query.programme === 'string' ? { programme: { code: req.query.programme } } : {}),
      ...(typeof req.query.status === 'string' ? { status: req.query.status } : {}),
      ...(typeof req.query.granteeNeq === 'string' ? { grantee: { neq: req.query.granteeNeq } } : {}),
    };
    const rows = await prisma.agreement.findMany({ where, include: agreementInclude, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: limit + 1 });
    const more = rows.length > limit;
    const data = rows.slice(0, limit);
    const last = data.at(-1);
    res.json({ data: data.map((a) => agreementView(a, { contacts: p.role === 'funder' })), nextCursor: more && last ? encodeCursor(last.createdAt, last.id) : null });
  });

  app.get('/v1/agreements/:id', async (req, res) => {
    const p = principalOf(req);
    res.json(await loadAgreement(String(req.params.id), readerScope(p), p, true));
  });

  app.patch('/v1/agreements/:id', async (req, res) => {
    const p = principalOf(req);
    const funderId = writingFunder(p);
    const id = String(req.params.id);
    if (!UUID.test(id)) throw notFound('agreement');
    const { changed } = await amendAgreement(prisma, funderId, id, req.body as AmendInput, p, deps.today(), localeOf(req));
    if (changed) kick();
    res.json(await loadAgreement(id, [funderId], p, true));
  });

  app.post('/v1/agreements/:id/terminate', async (req, res) => {
    const p = principalOf(req);
    const funderId = writingFunder(p);
    const id = String(req.params.id);
    if (!UUID.test(id)) throw notFound('agreement');
    await terminateAgreement(prisma, funderId, id, (req.body as { reason: string }).reason, p, localeOf(req));
    kick();
    res.json(await loadAgreement(id, [funderId], p, true));
  });
}
