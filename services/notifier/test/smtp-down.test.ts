import net from 'node:net';
import { eventually } from '@pc/testkit';
import { agreement, count, funder, ids, programme, publishReminder, world, type World } from './support';

// The SMTP relay is unreachable (connection refused) for a while: the digest waits, retried with
// backoff, and is delivered once when the relay comes back.
jest.setTimeout(60_000);
let w: World;
let port: number;
let relay: net.Server | null = null;

beforeAll(async () => {
  // a port with nothing listening on it
  port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  w = await world({ SMTP_URL: `smtp://127.0.0.1:${port}` });
});
afterAll(async () => {
  await w?.svc.stop();
  if (relay) await new Promise((r) => relay!.close(r));
  await w?.close();
});

it('connection refused → failed_temporary with backoff → delivered once the relay is back', async () => {
  const f = funder('Fondation Panne');
  const p = programme(f, 'DOWN', 'Panne');
  const s = await publishReminder(
    w,
    agreement(p, 'DOWN-1', { id: ids('grantee:down'), name: 'Org' }, [
      { name: 'Lou', email: 'lou@down.example', locale: 'fr' },
    ]),
    { asOf: '2027-06-15', dueDate: '2027-07-15' },
  );
  const d = await eventually(
    async () =>
      (
        await w.db.query(
          `SELECT attempts, last_error FROM digest WHERE run_id = $1 AND state = 'failed_temporary' AND attempts >= 2`,
          [s.runId],
        )
      ).rows[0],
    'temporary failures',
  );
  expect(d.last_error).toMatch(/ECONNREFUSED|ECONNECTION|connect/i);
  expect(w.sink.messages).toHaveLength(0);
  // the relay comes back on the same address
  relay = net.createServer((c) => {
    const u = net.connect(w.sink.port, '127.0.0.1');
    c.pipe(u);
    u.pipe(c);
    c.on('error', () => u.end());
    u.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => relay!.listen(port, '127.0.0.1', r));
  await eventually(
    async () =>
      (await count(w.db, `SELECT count(*) AS n FROM reminder_delivery WHERE run_id = $1 AND state = 'sent'`, [
        s.runId,
      ])) === 1,
    'delivered after the relay returned',
    30_000,
  );
  expect(w.sink.messages.filter((m) => m.envelopeTo.includes('lou@down.example'))).toHaveLength(1);
});
