import crypto from 'node:crypto';
import pg from 'pg';
import { parseEventData, type Envelope, type EventData, type EventType } from '@pc/contracts';
import { ownerOfNothing, publishEvents, testEnv, type TestEnv } from '@pc/testkit';
import { startReports, type RunningService } from '../src/main';
import { loadReportsConfig } from '../src/config';
import type { AuditEntry } from '../src/domain/audit-chain';

/** The service on a database and vhost of its own, with a client on that database to look at its tables. */
export interface Started {
  t: TestEnv;
  svc: RunningService;
  base: string;
  db: pg.Client;
}

/** Starts the service as `startReports(cfg)` (config from the test env, or `env` of it) and connects a client to its database. */
export async function startService(env: (t: TestEnv) => NodeJS.ProcessEnv = (t) => t.env): Promise<Started> {
  const t = await testEnv();
  let svc: RunningService | undefined;
  try {
    svc = await startReports(loadReportsConfig(env(t)), undefined, { owner: ownerOfNothing });
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    return { t, svc, base: `http://127.0.0.1:${svc.port}`, db };
  } catch (err) {
    await svc?.stop();
    t.cleanup();
    throw err;
  }
}

type Closable = { stop(): Promise<void> } | { close(): Promise<void> };

/** Stops what a test file started: its other parts first (a second replica, a tap, an SMTP sink), then the client, the service and the database. */
export async function stopService(s: Partial<Started>, ...others: (Closable | undefined)[]): Promise<void> {
  for (const o of others) if (o) await ('stop' in o ? o.stop() : o.close());
  await s.db?.end();
  await s.svc?.stop();
  s.t?.cleanup();
}

/** A CloudEvents envelope as packages/bus publishes it (payload validated against the catalog). */
export function envelope<T extends EventType>(
  type: T,
  data: EventData<T>,
  opts: { id?: string; time?: string; source?: string; subject?: string } = {},
): Envelope<T> {
  return {
    specversion: '1.0',
    id: opts.id ?? crypto.randomUUID(),
    source: opts.source ?? 'test',
    type,
    time: opts.time ?? new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: `urn:praxis-compliance:event:${type}`,
    ...(opts.subject ? { subject: opts.subject } : {}),
    data: parseEventData(type, data),
  };
}

/** Publishes envelopes as their services' relays would (same ids, sources and times), in order. */
export async function publish(amqpUrl: string, events: Envelope[]): Promise<void> {
  await publishEvents(amqpUrl, events);
}

export const uuid = (): string => crypto.randomUUID();
export const actor = { kind: 'api_key' as const, id: '11111111-1111-4111-8111-111111111111' };

/** A small world: one funder, its programme, agreements and their obligations, as events. */
export class World {
  readonly events: Envelope[] = [];
  /** the code of each programme registered here, which its agreements' snapshots repeat */
  private readonly programmeCodes = new Map<string, string>();
  constructor(readonly funderId = uuid()) {}

  funder(name: string, locale: 'fr' | 'en', reportRecipients: string[] = []): this {
    this.events.push(
      envelope('funder.registered.v1', {
        funderId: this.funderId,
        name,
        kind: 'foundation',
        locale,
        reportRecipients,
        actor,
      }),
    );
    return this;
  }

  programme(code: string, name = `Programme ${code}`): string {
    const programmeId = uuid();
    this.events.push(
      envelope('programme.registered.v1', {
        programmeId,
        funderId: this.funderId,
        code,
        name,
        sector: null,
        praxisFeeds: [],
        reminderStages: [],
        actor,
      }),
    );
    this.programmeCodes.set(programmeId, code);
    return programmeId;
  }

  /** An agreement of a programme registered in this world (its snapshot carries the programme's code). */
  agreement(
    programmeId: string,
    ref: string,
    p: {
      title: string;
      grantee: { id?: string; name: string; neq?: string | null };
      dues: string[];
      contacts?: { name: string; email: string; locale: 'fr' | 'en' }[];
    },
  ): {
    agreementId: string;
    granteeId: string;
    /** the agreement's programme: the returned object is also what `transition` takes */
    programmeId: string;
    obligationIds: string[];
    snapshot: EventData<'agreement.registered.v1'>;
  } {
    const programmeCode = this.programmeCodes.get(programmeId);
    if (!programmeCode) throw new Error(`programme ${programmeId} is not registered in this world`);
    const agreementId = uuid();
    const granteeId = p.grantee.id ?? uuid();
    const requirementId = uuid();
    const obligations = p.dues.map((dueDate, i) => ({
      id: uuid(),
      requirementId,
      kind: 'learning_note' as const,
      sequence: i + 1,
      dueDate,
    }));
    const snapshot: EventData<'agreement.registered.v1'> = {
      agreementId,
      funderId: this.funderId,
      programmeId,
      programmeCode,
      externalRef: `EXT-${ref}`,
      referenceCode: ref,
      title: p.title,
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      signedAt: null,
      grantee: { id: granteeId, name: p.grantee.name, neq: p.grantee.neq ?? null },
      contacts: p.contacts ?? [],
      obligations,
      revision: 1,
      actor,
    };
    this.events.push(envelope('agreement.registered.v1', snapshot));
    return {
      agreementId,
      granteeId,
      programmeId,
      obligationIds: obligations.map((o) => o.id),
      snapshot,
    };
  }

  transition(
    a: { agreementId: string; granteeId: string; programmeId: string },
    obligationId: string,
    dueDate: string,
    from: EventData<'obligation.transitioned.v1'>['from'],
    to: EventData<'obligation.transitioned.v1'>['to'],
    extra: Partial<EventData<'obligation.transitioned.v1'>> = {},
  ): Envelope<'obligation.transitioned.v1'> {
    const e = envelope('obligation.transitioned.v1', {
      obligationId,
      agreementId: a.agreementId,
      funderId: this.funderId,
      programmeId: a.programmeId,
      granteeId: a.granteeId,
      kind: 'learning_note',
      dueDate,
      from,
      to,
      reason: null,
      at: new Date(Date.now() + this.events.length).toISOString(),
      actor,
      ...extra,
    });
    this.events.push(e);
    return e;
  }
}

/**
 * Writes one chain entry as it is, straight into the table (search_path reports), bypassing the
 * store: what a test uses to build a chain by hand or to forge one.
 */
export async function insertAuditRow(db: pg.Pool | pg.Client, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO reports.audit_event (funder_id, seq, event_id, type, subject, actor_kind, actor_id, occurred_at, reason, before, after, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      e.funderId,
      e.seq,
      e.eventId,
      e.type,
      e.subject,
      e.actor.kind,
      e.actor.id,
      e.at,
      e.reason,
      JSON.stringify(e.before),
      JSON.stringify(e.after),
      e.prevHash,
      e.hash,
    ],
  );
}
