import type { Express, Request } from 'express';
import type { components } from '@pc/contracts';
import {
  AppError,
  invalid,
  isLocale,
  localeOf,
  principalOf,
  readableFunders,
  requireRole,
  writingFunder,
  type Principal,
} from '@pc/service-kit';
import type { PageRequest, Transact, Tx } from '../adapters/prisma';
import { decodeCursor } from '../adapters/views';
import { details } from '../domain/messages';
import { amendAgreement, type AgreementAmendment } from '../use-cases/amend-agreement';
import { getAgreement } from '../use-cases/get-agreement';
import { getImportTemplate } from '../use-cases/get-import-template';
import { importAgreements, type ImportReport } from '../use-cases/import-agreements';
import { linkGrantee } from '../use-cases/link-grantee';
import { listAgreements } from '../use-cases/list-agreements';
import { listGrantees } from '../use-cases/list-grantees';
import { listProgrammes } from '../use-cases/list-programmes';
import { registerAgreement, type AgreementInput } from '../use-cases/register-agreement';
import type { IntakeDeps } from '../use-cases/register-agreements';
import { registerProgramme, type ProgrammeInput } from '../use-cases/register-programme';
import { terminateAgreement } from '../use-cases/terminate-agreement';

export interface RouteDeps {
  /** reads outside a transaction (the Prisma client) */
  db: Tx;
  transact: Transact;
  intake: IntakeDeps;
  /** publish committed outbox rows now */
  kick: () => void;
  /** the Praxis origin (PRAXIS_BASE_URL): a programme's feeds must be on it */
  praxisBase: URL;
  /** today's calendar date in America/Montreal (injected: tests pin it) */
  today: () => string;
  /** told how long each phase of a successful CSV import took (ms); also logged */
  onImport?: (t: ImportReport) => void;
  logger?: { info(obj: object, msg: string): void };
}

// Request bodies have been checked against contracts/openapi.yaml by the validator before a handler
// runs, so each handler takes the contract's generated type for its body.
type Body<T> = Request<Record<string, string>, unknown, T>;
type Reason = components['schemas']['Reason'];
type GranteeLinkInput = components['schemas']['GranteeLinkInput'];

function readerScope(p: Principal): string[] {
  requireRole(p, 'funder', 'auditor');
  return readableFunders(p);
}

function page(req: Request): PageRequest {
  const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
  const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
  const after = cursor ? decodeCursor(cursor) : null;
  if (cursor && !after) throw invalid([{ path: 'cursor', message: details.t(localeOf(req), 'unknown_cursor') }]);
  return { limit, after };
}

const queryText = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Funder routes of the agreements service (programmes, agreements, CSV import): parse, call the use case, answer. */
export function mountRoutes(app: Express, deps: RouteDeps): void {
  const { db, transact, intake, kick } = deps;

  app.post('/v1/programmes', async (req: Body<ProgrammeInput>, res) => {
    const p = principalOf(req);
    const programme = await registerProgramme(transact, writingFunder(p), req.body, p, localeOf(req), deps.praxisBase);
    kick();
    res.status(201).json(programme);
  });

  app.get('/v1/programmes', async (req, res) => {
    res.json(await listProgrammes(db, readerScope(principalOf(req)), page(req)));
  });

  app.post('/v1/agreements', async (req: Body<AgreementInput>, res) => {
    const p = principalOf(req);
    const funderId = writingFunder(p);
    const r = await registerAgreement(intake, funderId, p.keyId, req.body, localeOf(req));
    if (r.created) kick();
    res.status(r.created ? 201 : 200).json(await getAgreement(db, r.id, p, [funderId], false));
  });

  app.post('/v1/agreements/import', async (req, res) => {
    const p = principalOf(req);
    const funderId = writingFunder(p);
    if (!req.csv)
      throw new AppError('unsupported_media_type', {
        en: 'send the file as Content-Type: text/csv',
        fr: 'envoyez le fichier en Content-Type: text/csv',
      });
    const result = await importAgreements(intake, funderId, p.keyId, req.csv, localeOf(req));
    if (result.created > 0) kick();
    deps.logger?.info({ import: result.report }, 'CSV import committed');
    deps.onImport?.(result.report);
    res.status(201).json({
      created: result.created,
      unchanged: result.unchanged,
      obligationsCreated: result.obligationsCreated,
      encoding: result.encoding,
      separator: result.separator,
    });
  });

  app.get('/v1/agreements/import/template', (req, res) => {
    requireRole(principalOf(req), 'funder');
    const asked = isLocale(req.query.locale) ? req.query.locale : undefined; // the contract allows only fr|en
    const template = getImportTemplate(asked, localeOf(req));
    res
      .type('text/csv; charset=utf-8')
      .setHeader('content-disposition', `attachment; filename="${template.fileName}"`)
      .send(Buffer.from(template.text, 'utf8'));
  });

  app.get('/v1/agreements', async (req, res) => {
    const p = principalOf(req);
    const funders = readerScope(p);
    const filter = {
      programme: queryText(req.query.programme),
      status: queryText(req.query.status),
      granteeNeq: queryText(req.query.granteeNeq),
    };
    res.json(await listAgreements(db, p, funders, filter, page(req)));
  });

  app.get('/v1/agreements/:id', async (req, res) => {
    const p = principalOf(req);
    res.json(await getAgreement(db, req.params.id, p, readerScope(p), true));
  });

  // Admin: the one way two funders' grantees become one organisation (a NEQ alone never does it).
  app.get('/v1/grantees', async (req, res) => {
    requireRole(principalOf(req), 'admin');
    res.json(await listGrantees(db, String(queryText(req.query.neq) ?? '')));
  });

  app.post('/v1/grantees/:id/link', async (req: Body<GranteeLinkInput>, res) => {
    const p = principalOf(req);
    requireRole(p, 'admin');
    const r = await linkGrantee(transact, String(req.params.id), req.body.granteeId, p, localeOf(req));
    if (r.agreementsUpdated > 0) kick();
    res.json({ ...r.grantee, agreementsUpdated: r.agreementsUpdated });
  });

  app.patch('/v1/agreements/:id', async (req: Body<AgreementAmendment>, res) => {
    const p = principalOf(req);
    const funderId = writingFunder(p);
    const id = String(req.params.id);
    const { changed } = await amendAgreement(transact, funderId, id, req.body, p, deps.today(), localeOf(req));
    if (changed) kick();
    res.json(await getAgreement(db, id, p, [funderId], true));
  });

  app.post('/v1/agreements/:id/terminate', async (req: Body<Reason>, res) => {
    const p = principalOf(req);
    const funderId = writingFunder(p);
    const id = String(req.params.id);
    await terminateAgreement(transact, funderId, id, req.body.reason, p, localeOf(req));
    kick();
    res.json(await getAgreement(db, id, p, [funderId], true));
  });
}
