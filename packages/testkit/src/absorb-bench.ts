import crypto from 'node:crypto';
import os from 'node:os';
import amqp from 'amqplib';
import { EXCHANGE, eventMessage } from '@pc/bus';
import { parseEventData } from '@pc/contracts';
import type { TestEvent } from './events';
import { ackAll } from './raw-bus';

/*
 * What the "absorb" benchmarks share: how fast a service's real consumer applies a burst of catalog
 * events that is already waiting in its queue (as after a CSV import), beside the raw rate at which a
 * plain amqplib consumer that only acks drains the same messages from a queue of the same kind, in
 * the same run. Both rates are measured on a full queue, so publishing is not part of either.
 */

export interface WireMessage {
  routingKey: string;
  content: Buffer;
  options: amqp.Options.Publish;
}

/** Catalog events as their relay would put them on the wire (each payload checked against the catalog first). */
export function wireMessages(events: ReadonlyArray<TestEvent>): WireMessage[] {
  const now = new Date();
  return events.map((e) =>
    eventMessage({
      id: e.id ?? crypto.randomUUID(),
      type: e.type,
      subject: e.subject ?? null,
      data: parseEventData(e.type, e.data),
      time: e.time ? new Date(e.time) : now,
      source: e.source ?? 'bench',
    }),
  );
}

/** The machine's 1, 5 and 15 minute load averages, as printed beside every figure. */
export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export interface AbsorbPhase {
  /** what is absorbed, for the printout ("agreement snapshots → notifier.directory") */
  label: string;
  amqpUrl: string;
  messages: WireMessage[];
  /** the service consumer's prefetch, given to the raw consumer too */
  prefetch: number;
  /**
   * Starts the service (its consumer drains the queue that already holds `messages`); resolves with
   * its stop. The service's queue must exist and have no consumer when the phase starts (start the
   * service once and stop it: its topology stays).
   */
  start(): Promise<{ stop(): Promise<void> }>;
  /** How many of the messages have taken effect in the database (polled). */
  applied(): Promise<number>;
  timeoutMs?: number;
}

export interface AbsorbResult {
  events: number;
  /** events/s applied by the service, from its first applied event to its last */
  rate: number;
  /** acks/s of the plain consumer on the same messages */
  rawRate: number;
  ratio: number;
  seconds: number;
  load: { before: string; after: string };
}

async function publishAll(ch: amqp.ConfirmChannel, messages: WireMessage[]): Promise<void> {
  for (const [i, m] of messages.entries()) {
    ch.publish(EXCHANGE, m.routingKey, m.content, m.options);
    if (i % 500 === 499) await ch.waitForConfirms();
  }
  await ch.waitForConfirms();
}

/**
 * One burst: the messages are published once to the events exchange, where both the service's
 * queue and a plain quorum queue bound to the same types receive them; the plain queue is drained
 * first (the raw rate), then the service is started and its rate taken from the first to the last
 * event applied in its database (its boot is not counted).
 */
export async function absorb(phase: AbsorbPhase): Promise<AbsorbResult> {
  const n = phase.messages.length;
  const before = loadAverage();
  const conn = await amqp.connect(phase.amqpUrl);
  const raw = `bench.raw.${crypto.randomBytes(4).toString('hex')}`;
  try {
    const ch = await conn.createConfirmChannel();
    await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
    await ch.assertQueue(raw, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    for (const key of new Set(phase.messages.map((m) => m.routingKey))) await ch.bindQueue(raw, EXCHANGE, key);
    const alreadyApplied = await phase.applied();
    await publishAll(ch, phase.messages);
    const rawRate = await ackAll(conn, raw, n, phase.prefetch);
    await ch.deleteQueue(raw);
    await ch.close();

    const until = performance.now() + (phase.timeoutMs ?? 30 * 60_000);
    const service = await phase.start();
    try {
      // The clock starts at the last poll that saw nothing applied yet, so the whole burst is counted.
      let startedAt: number | null = null;
      let previous = performance.now();
      let now = previous;
      for (;;) {
        const count = (await phase.applied()) - alreadyApplied;
        now = performance.now();
        if (count > 0 && startedAt === null) startedAt = previous;
        if (count >= n) break;
        if (now > until) throw new Error(`${phase.label}: ${count} of ${n} applied before the timeout`);
        previous = now;
        await new Promise((r) => setTimeout(r, 100)); // a count(*) on every poll must not slow what it measures
      }
      const seconds = (now - startedAt!) / 1000;
      const rate = n / seconds;
      return { events: n, rate, rawRate, ratio: rate / rawRate, seconds, load: { before, after: loadAverage() } };
    } finally {
      await service.stop();
    }
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** One line per figure: the service's rate, the raw rate of the same messages, their ratio, the load. */
export function printAbsorb(label: string, r: AbsorbResult, target = 0.25): void {
  console.log(`${label}: ${r.events} events`);
  console.log(`  applied by the service: ${r.rate.toFixed(0)} events/s (${r.seconds.toFixed(2)} s)`);
  console.log(`  raw consume (plain consumer, ack only, same messages): ${r.rawRate.toFixed(0)} msg/s`);
  console.log(
    `  ratio ${r.ratio.toFixed(2)} (target ≥ ${target}${r.ratio >= target ? '' : ' — BELOW TARGET'}); load average ${r.load.before} → ${r.load.after}`,
  );
}

const benchActor = { kind: 'system' as const, id: 'bench' };

/** A funder, one of its programmes and `n` agreement.registered snapshots (one contact, two obligations each), as an import produces them. */
export function importBurst(n: number): {
  funder: TestEvent<'funder.registered.v1'>;
  programme: TestEvent<'programme.registered.v1'>;
  agreements: Array<TestEvent<'agreement.registered.v1'>>;
} {
  const funderId = crypto.randomUUID();
  const programmeId = crypto.randomUUID();
  const agreements = Array.from({ length: n }, (_, i): TestEvent<'agreement.registered.v1'> => {
    const agreementId = crypto.randomUUID();
    const requirementId = crypto.randomUUID();
    const month = String((i % 12) + 1).padStart(2, '0');
    return {
      type: 'agreement.registered.v1',
      subject: agreementId,
      data: {
        agreementId,
        funderId,
        programmeId,
        programmeCode: 'MOBILISATION',
        externalRef: `FQ-2027-${String(i).padStart(6, '0')}`,
        referenceCode: `PX-${crypto.randomBytes(2).toString('hex').toUpperCase()}-${String(i).padStart(4, '0')}`,
        title: `Projet de mobilisation des savoirs no ${i}`,
        startDate: `2027-${month}-01`,
        endDate: `2028-${month}-28`,
        signedAt: null,
        grantee: { id: crypto.randomUUID(), name: `Organisme communautaire ${i}`, neq: null },
        contacts: [{ name: `Contact ${i}`, email: `contact${i}@example.org`, locale: i % 3 === 0 ? 'en' : 'fr' }],
        obligations: [1, 2].map((sequence) => ({
          id: crypto.randomUUID(),
          requirementId,
          kind: 'learning_note' as const,
          sequence,
          dueDate: `2029-${month}-${String(sequence * 10).padStart(2, '0')}`,
        })),
        revision: 1,
        actor: benchActor,
      },
    };
  });
  return {
    funder: {
      type: 'funder.registered.v1',
      data: {
        funderId,
        name: 'Fondation banc d’essai',
        kind: 'foundation',
        locale: 'fr',
        reportRecipients: ['rapports@example.org'],
        actor: benchActor,
      },
    },
    programme: {
      type: 'programme.registered.v1',
      data: {
        programmeId,
        funderId,
        code: 'MOBILISATION',
        name: 'Mobilisation des savoirs',
        sector: null,
        praxisFeeds: [],
        reminderStages: [],
        actor: benchActor,
      },
    },
    agreements,
  };
}
