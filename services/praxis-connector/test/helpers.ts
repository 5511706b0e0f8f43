import crypto from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import type { EventData } from '@pc/contracts';

/** A TCP server that only counts connections: proof that a foreign host was never contacted. */
export async function startForeignHost(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = net.createServer((s) => { count++; s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'); });
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const port = (server.address() as net.AddressInfo).port;
  return { port, connections: () => count, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export function db(url: string): pg.Pool { return new pg.Pool({ connectionString: url, max: 2 }); }

export const actor = { kind: 'system' as const, id: 'test' };

export function agreementData(o: { id?: string; funderId: string; programmeId: string; referenceCode: string; externalRef?: string; startDate?: string; revision?: number }): EventData<'agreement.registered.v1'> {
  return {
    agreementId: o.id ?? crypto.randomUUID(), funderId: o.funderId, programmeId: o.programmeId, programmeCode: 'MOB',
    externalRef: o.externalRef ?? `EXT-${crypto.randomBytes(3).toString('hex')}`, referenceCode: o.referenceCode, title: 'Cuisine collective',
    startDate: o.startDate ?? '2024-01-01', endDate: '2027-12-31', signedAt: null,
    grantee: { id: crypto.randomUUID(), name: 'Cuisines solidaires', neq: null }, contacts: [],
    obligations: [], revision: o.revision ?? 1, actor,
  };
}
