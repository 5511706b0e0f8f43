import { eventually } from '@pc/testkit';
import { loadNotifierConfig } from '../src/config';
import { agreement, count, funder, ids, programme, publishReminder, world, type World } from './support';

// REMINDER_SEND_WINDOW: outside it digests wait (skipped_window) and go out when it opens.
jest.setTimeout(60_000);
let w: World;
let now = new Date('2027-07-15T02:30:00Z'); // 22:30 in Montréal (EDT)
const f1 = funder('Fondation Window');
const p1 = programme(f1, 'WIN', 'Fenêtre');

beforeAll(async () => {
  w = await world({ REMINDER_SEND_WINDOW: '08:00-20:00 America/Montreal' }, { clock: () => now });
});
afterAll(async () => {
  await w?.close();
});

it('keeps reminders pending outside 08:00-20:00 Montréal and sends them when the window opens', async () => {
  const s = await publishReminder(
    w,
    agreement(p1, 'W-1', { id: ids('grantee:W'), name: 'Org W' }, [
      { name: 'Nuit', email: 'nuit@w.example', locale: 'fr' },
    ]),
    { asOf: '2027-07-14', dueDate: '2027-08-01' },
  );
  const d = await eventually(
    async () =>
      (
        await w.db.query(`SELECT state, next_attempt_at FROM digest WHERE run_id = $1 AND state = 'skipped_window'`, [
          s.runId,
        ])
      ).rows[0],
    'deferred to the window',
  );
  expect(d.next_attempt_at.toISOString()).toBe('2027-07-15T12:00:00.000Z'); // 08:00 EDT
  expect(
    await count(w.db, `SELECT count(*) AS n FROM reminder_delivery WHERE run_id = $1 AND state = 'skipped_window'`, [
      s.runId,
    ]),
  ).toBe(1);
  await new Promise((r) => setTimeout(r, 500));
  expect(w.sink.messages).toHaveLength(0);
  now = new Date('2027-07-15T12:00:30Z');
  await eventually(async () => w.sink.messages.length === 1, 'sent when the window opened');
  expect(w.sink.messages[0]!.parsed.date?.toISOString()).toBe('2027-07-15T12:00:30.000Z'); // dated when sent, not when built
  await eventually(
    async () =>
      (await count(w.db, `SELECT count(*) AS n FROM reminder_delivery WHERE run_id = $1 AND state = 'sent'`, [
        s.runId,
      ])) === 1,
    'ledger sent',
  );
});

it('refuses a malformed REMINDER_SEND_WINDOW at boot, naming the variable', () => {
  expect(() => loadNotifierConfig({ REMINDER_SEND_WINDOW: '8h-20h' })).toThrow(/REMINDER_SEND_WINDOW: must look like/);
  expect(() => loadNotifierConfig({ SMTP_URL: 'http://x' })).toThrow(/SMTP_URL/);
});
