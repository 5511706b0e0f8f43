/**
 * Operator command for dead letters:
 *   pnpm dlq list                  every consumer queue and how many dead letters it holds
 *   pnpm dlq replay <queue> [max]  moves dead letters back to <queue> for another try
 * Uses AMQP_URL like every service.
 */
import { createLogger, loadConfig, baseEnv } from '@pc/service-kit';
import { BusConnection } from './connection';
import { listDeadLetters, replayDeadLetters } from './dlq';

async function main(): Promise<void> {
  const cfg = loadConfig({ AMQP_URL: baseEnv.AMQP_URL });
  const logger = createLogger('dlq', 'warn');
  const bus = await BusConnection.connect(cfg.AMQP_URL, logger, { initialMaxRetries: 2 });
  try {
    const [cmd, queue, max] = process.argv.slice(2);
    if (cmd === 'list' || !cmd) {
      for (const s of await listDeadLetters(bus)) console.log(`${s.queue}\t${s.deadLetters}`);
    } else if (cmd === 'replay' && queue) {
      const n = await replayDeadLetters(bus, queue, max ? Number(max) : Infinity);
      console.log(`replayed ${n} message(s) to ${queue}`);
    } else {
      console.error('usage: pnpm dlq list | pnpm dlq replay <queue> [max]');
      process.exitCode = 2;
    }
  } finally {
    await bus.close();
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
