import crypto from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import { ServiceRuntime, type RunningService } from '@pc/bus';
import { createLogger, keyedPseudonym, type Logger, personPseudonymKey, runService } from '@pc/service-kit';
import { loadWebConfig, type WebConfig } from './config';
import { createPrisma } from './adapters/prisma';
import { SessionStore } from './adapters/session-store';
import { SignInStore } from './adapters/sign-in-store';
import { MemberStore } from './adapters/member-store';
import { CalendarStore } from './adapters/calendar-store';
import { ErasureStore } from './adapters/person-data-store';
import { createSmtpMailer, type Mailer } from './adapters/mailer';
import { personCalls } from './adapters/services';
import { WindowLimit } from './domain/window-limit';
import type { WebDeps } from './deps';
import { pagesRouter } from './http/pages';
import { mountMemberRoutes } from './http/members-routes';
import { PAGES } from './pages/routes';
import { startPeopleConsumer } from './consumers/people';

export interface WebOptions {
  /** tests give a mailer of their own; defaults to SMTP_URL */
  mailer?: Mailer;
}

export interface RunningWeb extends RunningService {
  deps: WebDeps;
}

/**
 * Composition root of the web service: the pages behind the edge, the members routes of the API,
 * and the web.people queue (Law 25 export and erasure of the people who sign in).
 */
export async function startWeb(
  cfg: WebConfig,
  logger: Logger = createLogger('web', cfg.LOG_LEVEL),
  opts: WebOptions = {},
): Promise<RunningWeb> {
  const runtime = await ServiceRuntime.boot({ service: 'web', cfg, srcDir: __dirname, logger });
  const prisma = createPrisma(runtime.pool);
  const mailer = opts.mailer ?? createSmtpMailer(cfg.SMTP_URL, cfg.MAIL_FROM);
  // the one key of the whole system (Law 25): the same person is the same pseudonym in every schema
  const pseudonymKey = personPseudonymKey(cfg);
  const deps: WebDeps = {
    cfg,
    logger,
    prisma,
    mailer,
    sessions: new SessionStore(prisma, {
      idleMs: cfg.SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: cfg.SESSION_ABSOLUTE_HOURS * 3_600_000,
    }),
    members: new MemberStore(prisma),
    links: new SignInStore(prisma),
    calendars: new CalendarStore(prisma),
    erasures: new ErasureStore(prisma, (email) => keyedPseudonym(pseudonymKey, email)),
    perAddress: new WindowLimit(cfg.SIGN_IN_REQUESTS_PER_ADDRESS, 15 * 60_000),
    inFlight: new Set(),
    callsFor: personCalls(cfg, runtime.peers),
    secureCookies: new URL(cfg.PUBLIC_BASE_URL).protocol === 'https:',
  };
  // the CSRF fields are HMACs under a key of this service only, derived so that no new secret is needed
  const csrfKey = crypto.createHmac('sha256', cfg.INTERNAL_SECRET).update('web:csrf').digest('hex');
  const pages = pagesRouter(deps, PAGES, csrfKey);
  await startPeopleConsumer(runtime, pseudonymKey);
  runtime.stopsWith({
    loops: [() => Promise.all([...deps.inFlight])],
    clients: [() => mailer.close(), () => prisma.$disconnect()],
  });
  const port = await runtime.serve(cfg, {
    internalSecret: cfg.INTERNAL_SECRET,
    routes: (app: Express) => {
      // a person's address as the edge saw it (sign-in limits per address); only the edge calls this service
      app.set('trust proxy', 'loopback');
      mountMemberRoutes(app, deps);
      app.use((req: Request, res: Response, next: NextFunction) => {
        if (req.path.startsWith('/v1/') || req.path.startsWith('/internal/')) next();
        else pages(req, res, next);
      });
    },
  });
  return { port, runtime, deps, stop: () => runtime.stop() };
}

if (require.main === module) runService('web', () => loadWebConfig(), startWeb);
