import { z } from 'zod';
import { createLogger, loadConfig, onShutdown } from '@pc/service-kit';
import { startSimulator, type Simulator, type SimulatorOptions } from './server';

export { startSimulator, type Simulator, type SimulatorOptions };
export { Corpus, seededReferenceCode } from './corpus';

/** Environment of the simulator when run as a process (`pnpm start`, demo). */
export const simulatorEnv = {
  PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SIM_SEED: z.coerce.number().int().default(1),
  SIM_NOTES: z.coerce.number().int().min(0).default(1000),
  SIM_CARNETS: z.coerce.number().int().min(1).default(10),
  SIM_PUBLIC_BASE_URL: z.string().url().optional(),
  /** what feed items carry of their note: full content and a summary, a summary only, or nothing */
  SIM_FEED_CONTENT: z.enum(['full', 'summary', 'none']).default('full'),
};

if (require.main === module) {
  const cfg = loadConfig(simulatorEnv);
  const logger = createLogger('praxis-simulator', cfg.LOG_LEVEL);
  startSimulator({
    port: cfg.PORT,
    host: cfg.HOST,
    seed: cfg.SIM_SEED,
    notes: cfg.SIM_NOTES,
    carnets: cfg.SIM_CARNETS,
    feedContent: cfg.SIM_FEED_CONTENT,
    ...(cfg.SIM_PUBLIC_BASE_URL ? { publicBaseUrl: cfg.SIM_PUBLIC_BASE_URL } : {}),
  }).then(
    (sim) => {
      logger.info({ port: sim.port, base: sim.baseUrl }, 'praxis simulator listening');
      onShutdown(logger, () => sim.stop());
    },
    (err: unknown) => {
      logger.fatal({ err }, 'praxis simulator failed to start');
      process.exit(1);
    },
  );
}
