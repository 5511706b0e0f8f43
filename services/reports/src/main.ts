import { ServiceRuntime, type RunningService as Running } from '@pc/bus';
import {
  agreementsLookups,
  createLogger,
  keyedPseudonym,
  type IdOwner,
  type Logger,
  personPseudonymKey,
  runService,
} from '@pc/service-kit';
import { loadReportsConfig, type ReportsConfig } from './config';
import { createPrisma, prismaTransact } from './adapters/prisma';
import { ReadModelStore } from './adapters/read-model-store';
import { ReportStore } from './adapters/report-store';
import { ReportDispatchStore } from './adapters/report-dispatch-store';
import { smtpMailer, type Mailer } from './adapters/mailer';
import { sendMonthlyReports } from './use-cases/send-monthly-reports';
import { consumeEvents } from './consumers/read-model';
import { consumeJobs } from './consumers/jobs';
import { startPeopleConsumer } from './consumers/people';
import { mountRoutes } from './http/routes';
import { stopChartRenderer } from './adapters/render-chart';
import { PdfBuilder } from './adapters/pdf-builder';

export interface RunningService extends Running {
  events: { readonly applied: number };
  /** the PDF builds (worker threads) */
  pdf: PdfBuilder;
}

/** Composition root of the reports service. */
export async function startReports(
  cfg: ReportsConfig,
  logger: Logger = createLogger('reports', cfg.LOG_LEVEL),
  opts: { mailer?: Mailer; now?: () => Date; owner?: IdOwner } = {},
): Promise<RunningService> {
  const runtime = await ServiceRuntime.boot({ service: 'reports', cfg, srcDir: __dirname, logger });
  const prisma = createPrisma(runtime.pool);
  const store = new ReportStore(runtime.pool);
  const mailer = opts.mailer ?? smtpMailer(cfg.SMTP_URL, cfg.MAIL_FROM);
  // One key for every pseudonym this service writes or shows (audit entries, auditors' reports, job
  // errors): the person key every service shares, so an erased person is one pseudonym everywhere.
  const pseudonymKey = personPseudonymKey(cfg);
  const pseudonym = (email: string): string => keyedPseudonym(pseudonymKey, email);
  await ReadModelStore.rekeyContactFailures(runtime.pool, pseudonym);

  // The read model and the audit chain: every event type, many events per transaction.
  const events = { applied: 0 };
  await consumeEvents(runtime, {
    batchSize: cfg.REPORTS_BATCH_SIZE,
    batchWindowMs: cfg.REPORTS_BATCH_LINGER_MS,
    pseudonym,
    afterCommit: (handled) => {
      events.applied += handled;
      runtime.relay.kick();
    },
  });
  await consumeJobs(
    runtime,
    prismaTransact(prisma),
    sendMonthlyReports({
      reader: store,
      dispatches: new ReportDispatchStore(prisma),
      mailer,
      kick: () => runtime.relay.kick(),
      logger,
      pseudonym,
      now: opts.now,
    }),
  );

  await startPeopleConsumer(runtime, pseudonymKey);

  const pdf = new PdfBuilder(cfg.REPORTS_PDF_BUILDS);
  runtime.stopsWith({
    clients: [() => prisma.$disconnect(), () => mailer.close(), stopChartRenderer, () => pdf.stop()],
  });
  const port = await runtime.serve(cfg, {
    internalSecret: cfg.INTERNAL_SECRET,
    routes: (app) =>
      mountRoutes(app, {
        pool: runtime.pool,
        reader: store,
        pseudonymKey,
        now: opts.now,
        owner:
          opts.owner ??
          agreementsLookups({ caller: 'reports', baseUrl: cfg.AGREEMENTS_URL, internalSecret: cfg.INTERNAL_SECRET }),
        projectionWaitMs: cfg.PROJECTION_WAIT_MS,
        pdf,
      }),
  });
  return { port, runtime, events, pdf, stop: () => runtime.stop() };
}

if (require.main === module) runService('reports', () => loadReportsConfig(), startReports);
