import { createLogger, type Logger } from './logger';

/**
 * Runs `stop` once on SIGTERM/SIGINT, in the order the service gives (readiness off → stop
 * consuming → finish in-flight → flush outbox → close), with a hard exit as a backstop.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, hardTimeoutMs = 10_000): void {
  let stopping = false;
  const handler = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out, exiting');
      process.exit(1);
    }, hardTimeoutMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** Listens on `port` (0 = any) and resolves with the bound port. */
export async function listen(
  app: import('node:http').RequestListener,
  port: number,
  host = '127.0.0.1',
): Promise<{ port: number; close: () => Promise<void> }> {
  const http = await import('node:http');
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/**
 * The boot of every service's main.ts: parse the config (a bad variable stops the process with its
 * name), start, and shut down cleanly on SIGTERM/SIGINT.
 */
export function runService<C extends { LOG_LEVEL: string }>(
  name: string,
  load: () => C,
  start: (cfg: C, logger: Logger) => Promise<{ stop(): Promise<void> }>,
): void {
  let cfg: C;
  try {
    cfg = load();
  } catch (err) {
    process.stderr.write(`${name} refuses to start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(name, cfg.LOG_LEVEL);
  start(cfg, logger).then(
    (svc) => onShutdown(logger, () => svc.stop()),
    (err: unknown) => {
      logger.fatal({ err }, `${name} failed to start`);
      process.exit(1);
    },
  );
}
