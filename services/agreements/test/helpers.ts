/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are untyped JSON, checked by the assertions */
import crypto from 'node:crypto';
import pg from 'pg';
import { asPrincipal, testEnv, type TestEnv } from '@pc/testkit';
import { startAgreements, type RunningService } from '../src/main';
import { loadAgreementsConfig } from '../src/config';

/** The calendar day the service believes it is (pinned so statuses are deterministic). */
export const TODAY = '2027-06-01';

export interface Harness {
  t: TestEnv;
  svc: RunningService;
  db: pg.Client;
  base: string;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  counts(): Promise<{
    agreements: number;
    obligations: number;
    requirements: number;
    grantees: number;
    contacts: number;
    outbox: number;
  }>;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const t = await testEnv();
  const svc = await startAgreements(loadAgreementsConfig(t.env), undefined, () => TODAY);
  const db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
  await db.query('SET search_path = agreements');
  const base = `http://127.0.0.1:${svc.port}`;
  return {
    t,
    svc,
    db,
    base,
    async call(method, path, body, headers = {}) {
      const isText = typeof body === 'string' || Buffer.isBuffer(body);
      const res = await fetch(base + path, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': isText ? 'text/csv' : 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : isText ? (body as string) : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async counts() {
      const { rows } = await db.query(`SELECT
        (SELECT count(*)::int FROM agreement) AS agreements, (SELECT count(*)::int FROM obligation) AS obligations,
        (SELECT count(*)::int FROM requirement) AS requirements, (SELECT count(*)::int FROM grantee) AS grantees,
        (SELECT count(*)::int FROM agreement_contact) AS contacts, (SELECT count(*)::int FROM outbox) AS outbox`);
      return rows[0];
    },
    async stop() {
      await db.end();
      await svc.stop();
      t.cleanup();
    },
  };
}

export const funderKey = (funderId: string) => asPrincipal({ role: 'funder', funderId, keyId: crypto.randomUUID() });
