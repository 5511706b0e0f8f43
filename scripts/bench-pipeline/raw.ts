/**
 * The raw limit of each phase's bottleneck, measured in the same run on the same machine: what the
 * underlying tool does with the same amount of work when nothing of ours is in the way.
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { rawQueueRoundTrip } from '@pc/testkit';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/** COPY of the CSV's rows into a scratch table of text columns, in one transaction: ms. */
export async function rawCopyCsv(databaseUrl: string, csv: string, columns: readonly string[]): Promise<number> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(
      `CREATE SCHEMA IF NOT EXISTS bench_raw; CREATE TABLE bench_raw.csv_rows (${columns.map((h) => `${h} text`).join(', ')})`,
    );
    const t = performance.now();
    await c.query('BEGIN');
    await pipeline(
      Readable.from([csv]),
      c.query(copyFrom('COPY bench_raw.csv_rows FROM STDIN WITH (FORMAT csv, HEADER true)')),
    );
    await c.query('COMMIT');
    return performance.now() - t;
  } finally {
    await c.end();
  }
}

/** The messages of `bodies` through a quorum queue, publish (confirms) and consume overlapping: messages/s. */
export function rawBus(amqpUrl: string, bodies: readonly Buffer[]): Promise<number> {
  return rawQueueRoundTrip(amqpUrl, bodies, 'bench.pipeline.raw');
}

/**
 * The given messages sent byte for byte through a pooled nodemailer transport (`pool` connections,
 * 4 sends in flight per connection) to the sink: messages/s.
 */
export async function rawSmtp(
  smtpUrl: string,
  messages: ReadonlyArray<{ from: string; to: string[]; raw: string }>,
  pool: number,
): Promise<number> {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: pool,
    maxMessages: 1000,
  } as never);
  try {
    let next = 0;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: pool * 4 }, async () => {
        while (next < messages.length) {
          const m = messages[next++]!;
          await transport.sendMail({ envelope: { from: m.from, to: m.to }, raw: m.raw });
        }
      }),
    );
    return messages.length / ((performance.now() - t) / 1000);
  } finally {
    transport.close();
  }
}

/** GET of every URL (bodies read, not parsed) over keep-alive connections, `concurrency` at once: requests/s. */
export async function rawHttp(urls: readonly string[], concurrency: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < urls.length) {
          const url = urls[next++]!;
          await new Promise<void>((resolve, reject) => {
            http
              .get(url, { agent }, (res) => {
                res.on('data', () => undefined);
                res.on('end', () => resolve());
                res.on('error', reject);
              })
              .on('error', reject);
          });
        }
      }),
    );
    return urls.length / ((performance.now() - t0) / 1000);
  } finally {
    agent.destroy();
  }
}

/** COPY … TO STDOUT of the rows a report is made of (`sql`, a SELECT): ms, rows and bytes. */
export async function rawCopyOut(
  databaseUrl: string,
  sql: string,
): Promise<{ ms: number; rows: number; bytes: number }> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    let bytes = 0,
      rows = 0;
    const t = performance.now();
    for await (const chunk of c.query(copyTo(`COPY (${sql}) TO STDOUT`))) {
      const b = chunk as Buffer;
      bytes += b.length;
      for (let i = 0; i < b.length; i++) if (b[i] === 10) rows++;
    }
    return { ms: performance.now() - t, rows, bytes };
  } finally {
    await c.end();
  }
}
