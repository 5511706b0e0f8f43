import crypto from 'node:crypto';
import { eventually, TEST_CONTACT_LINK_SECRET } from '@pc/testkit';
import { verifyContactLink } from '@pc/service-kit';
import { SimulatedCrash } from '../src/use-cases/send-digests';
import {
  agreement,
  count,
  due,
  funder,
  ids,
  loadDirectory,
  programme,
  publishReminder,
  publishRun,
  world,
  type Contact,
  type DueOptions,
  type World,
} from './support';

// Rendering through a real SMTP server, headers, escaping, and delivery failures.
jest.setTimeout(60_000);
let w: World;
const f1 = funder('Fondation Lucie-et-André Chagnon', { reportRecipients: ['suivi@chagnon.example'] });
const p1 = programme(f1, 'SAV-2026', 'Savoirs ouverts');
const org = { id: ids('grantee:D'), name: 'Coop Les Ateliers' };
let crashOnce: string | null = null;

beforeAll(async () => {
  w = await world(
    {},
    {
      hooks: {
        afterSend: (d) => {
          if (crashOnce && d.to.includes(crashOnce)) {
            crashOnce = null;
            throw new SimulatedCrash('killed between SMTP 250 and the ledger');
          }
        },
      },
    },
  );
  await loadDirectory(w, [f1], [p1]);
});
afterAll(async () => {
  await w?.close();
});

const to = (addr: string) => w.sink.messages.filter((m) => m.envelopeTo.includes(addr));
const header = (m: { raw: string }, name: string): string | undefined =>
  new RegExp(`^${name}: (.*)$`, 'mi').exec(m.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' '))?.[1];
/** A one-reminder run for a new agreement of p1 whose only contact is `contact`; waits for the one message it gets. */
async function digestTo(ref: string, contact: Contact, title: string, o: Omit<DueOptions, 'runId'>) {
  const g = agreement(p1, ref, org, [contact], title);
  await publishReminder(w, g, o);
  const [m] = await eventually(
    async () => to(contact.email).length === 1 && to(contact.email),
    `the digest to ${contact.email}`,
  );
  return { g, m: m! };
}
/** The text with every uuid replaced, so a snapshot does not depend on the ids of a run. */
const withoutIds = (text: string) =>
  text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
    // the contact's link token carries its expiry: a new one at each render
    .replace(/acces=[\w.%-]+/g, 'acces=<token>');
/** Waits for the reminder's delivery to be failed for good, and returns its ledger row. */
const failedForGood = (reminderId: string, what: string) =>
  eventually(
    async () =>
      (
        await w.db.query(
          `SELECT state, last_error FROM reminder_delivery WHERE reminder_id = $1 AND state = 'failed_permanent'`,
          [reminderId],
        )
      ).rows[0],
    what,
  );
/** Waits until the ledger records the address's one delivery as sent. */
const ledgerSent = (email: string, what: string) =>
  eventually(
    async () =>
      (await count(w.db, `SELECT count(*) AS n FROM reminder_delivery WHERE email = $1 AND state = 'sent'`, [
        email,
      ])) === 1,
    what,
  );
/** How many reminder.sent events the notifier put in its outbox for the reminder. */
const sentEvents = (reminderId: string) =>
  count(w.db, `SELECT count(*) AS n FROM outbox WHERE type = 'reminder.sent.v1' AND data->>'reminderId' = $1`, [
    reminderId,
  ]);

describe('rendered emails at the SMTP server', () => {
  it('French by default: « 15 juillet 2027 », code, days left, link, and the headers a provider expects', async () => {
    const { g, m } = await digestTo(
      'CH-FR-1',
      { name: 'Léa Gagnon', email: 'lea@ateliers.example', locale: 'fr' },
      'Atelier de réparation',
      { asOf: '2027-06-15', dueDate: '2027-07-15' },
    );
    const text = m.parsed.text!;
    expect(text).toContain('Bonjour Léa Gagnon,');
    expect(text).toContain('15 juillet 2027 (dans 30 jours)');
    expect(text).toContain(g.referenceCode);
    expect(text).toContain('Savoirs ouverts (SAV-2026)');
    expect(text).toContain('Fondation Lucie-et-André Chagnon');
    expect(text).toContain('praxis.encommun.io');
    expect(text).toMatch(/https:\/\/conformite\.example\.org\/grantee\/obligations\/[0-9a-f-]{36}/);
    // every link opens the grantee page as this contact, for 14 days
    const token = /\/grantee\?acces=([\w.%-]+)/.exec(text)?.[1];
    expect(verifyContactLink(decodeURIComponent(token ?? ''), TEST_CONTACT_LINK_SECRET)).toBe('lea@ateliers.example');
    expect(m.parsed.html).toContain('<html lang="fr">');
    expect(m.parsed.messageId).toMatch(/^<reminder\.[0-9a-f]{40}@praxis-conformite\.local>$/);
    expect(header(m, 'Auto-Submitted')).toBe('auto-generated');
    expect(header(m, 'Content-Language')).toBe('fr');
    expect(m.parsed.date).toBeInstanceOf(Date);
    expect(m.parsed.from?.text).toContain('no-reply@praxis-conformite.local');
    expect(withoutIds(text)).toMatchSnapshot('fr at the sink');
  });

  it('English for an English-speaking contact: "July 15, 2027"', async () => {
    const { g, m } = await digestTo(
      'CH-EN-1',
      { name: 'Sam Wilson', email: 'sam@ateliers.example', locale: 'en' },
      'Repair workshop',
      { asOf: '2027-07-20', dueDate: '2027-07-15', kind: 'final_note' },
    );
    const text = m.parsed.text!;
    expect(m.parsed.subject).toBe('Overdue: 1 note to publish on Praxis');
    expect(text).toContain('Hello Sam Wilson,');
    expect(text).toContain('Final note — Due: July 15, 2027 (5 days late)');
    expect(text).toContain(`Code to write in the note: ${g.referenceCode}`);
    expect(header(m, 'Content-Language')).toBe('en');
    expect(withoutIds(text)).toMatchSnapshot('en at the sink');
  });

  it('escapes a contact name with HTML in it', async () => {
    const evil = 'Eve <script>alert("x")</script>';
    const { m } = await digestTo(
      'CH-XSS',
      { name: evil, email: 'eve@ateliers.example', locale: 'fr' },
      '<b>Projet</b> & cie',
      { asOf: '2027-06-15', dueDate: '2027-07-15' },
    );
    const html = m.parsed.html as string;
    expect(html).not.toContain('<script>');
    expect(html).toContain('Eve &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;Projet&lt;/b&gt; &amp; cie');
  });
});

describe('delivery failures', () => {
  it('550 on one address marks it failing and tells the funder; the others of the run are delivered', async () => {
    w.sink.rejectPermanently.add('gone@ateliers.example');
    const contacts = ['ok1@ateliers.example', 'gone@ateliers.example', 'ok2@ateliers.example'];
    const runId = crypto.randomUUID();
    const stages = contacts.map((email, i) =>
      due(agreement(p1, `CH-550-${i}`, org, [{ name: `P${i}`, email, locale: 'fr' }]), {
        runId,
        asOf: '2027-06-15',
        dueDate: '2027-07-15',
      }),
    );
    await publishRun(w, runId, '2027-06-15', stages);
    await eventually(
      async () => to('ok1@ateliers.example').length === 1 && to('ok2@ateliers.example').length === 1,
      'others delivered',
    );
    const row = await eventually(
      async () =>
        (
          await w.db.query(`SELECT state, last_error FROM reminder_delivery WHERE email = 'gone@ateliers.example'`)
        ).rows.find((r) => r.state === 'failed_permanent'),
      'permanent failure',
    );
    expect(row.last_error).toMatch(/550/);
    const c = (await w.db.query(`SELECT failing_at, failing_reason FROM contact WHERE email = 'gone@ateliers.example'`))
      .rows[0];
    expect(c.failing_at).toBeInstanceOf(Date);
    const ev = (
      await w.db.query(
        `SELECT data FROM outbox WHERE type = 'reminder.failed.v1' AND data->>'email' = 'gone@ateliers.example'`,
      )
    ).rows;
    expect(ev).toHaveLength(1);
    expect(ev[0].data).toMatchObject({
      permanent: true,
      email: 'gone@ateliers.example',
      reminderId: stages[1]!.reminderId,
      funderId: f1.funderId,
    });
    expect(to('gone@ateliers.example')).toHaveLength(0);
    // no more tries on that address: a later stage is recorded as failed without an SMTP attempt
    w.sink.rejectPermanently.delete('gone@ateliers.example');
    const later = await publishReminder(
      w,
      agreement(p1, 'CH-550-1', org, [{ name: 'P1', email: 'gone@ateliers.example', locale: 'fr' }]),
      { asOf: '2027-07-20', dueDate: '2027-07-15', stage: 'd+5' },
    );
    const r2 = await failedForGood(later.reminderId, 'skipped failing address');
    expect(r2.last_error).toMatch(/previously rejected/);
    expect(to('gone@ateliers.example')).toHaveLength(0);
  });

  it('550 on the contact of an escalated digest whose funder Cc is accepted: still a permanent failure for the contact', async () => {
    w.sink.rejectPermanently.add('bounce@ateliers.example');
    const stage = await publishReminder(
      w,
      agreement(p1, 'CH-550-CC', org, [{ name: 'Bo', email: 'bounce@ateliers.example', locale: 'fr' }]),
      { asOf: '2027-08-01', dueDate: '2027-07-15', stage: 'd+14', escalate: true },
    );
    const row = await failedForGood(stage.reminderId, 'contact failure');
    expect(row.last_error).toMatch(/^550/);
    expect(
      await count(
        w.db,
        `SELECT count(*) AS n FROM contact WHERE email = 'bounce@ateliers.example' AND failing_at IS NOT NULL`,
      ),
    ).toBe(1);
    expect(
      w.sink.messages.filter(
        (m) => m.envelopeTo.includes('suivi@chagnon.example') && m.parsed.text?.includes('CH-550-CC'),
      ),
    ).toHaveLength(1);
    expect(await sentEvents(stage.reminderId)).toBe(0);
  });

  it('SMTP answering 451 for a while: retried with backoff, delivered once after it returns', async () => {
    w.sink.temporarilyFailing = true;
    const stage = await publishReminder(
      w,
      agreement(p1, 'CH-451', org, [{ name: 'Tom', email: 'tom@ateliers.example', locale: 'fr' }]),
      { asOf: '2027-06-15', dueDate: '2027-07-15' },
    );
    await eventually(
      async () =>
        (await count(
          w.db,
          `SELECT count(*) AS n FROM digest WHERE email = 'tom@ateliers.example' AND attempts >= 3 AND state = 'failed_temporary'`,
        )) === 1,
      'several temporary failures',
      20_000,
    );
    expect(
      await count(
        w.db,
        `SELECT count(*) AS n FROM reminder_delivery WHERE email = 'tom@ateliers.example' AND state = 'failed_temporary'`,
      ),
    ).toBe(1);
    expect(
      await count(
        w.db,
        `SELECT count(*) AS n FROM outbox WHERE type = 'reminder.failed.v1' AND data->>'reminderId' = $1 AND (data->>'permanent')::boolean = false`,
        [stage.reminderId],
      ),
    ).toBe(1);
    w.sink.temporarilyFailing = false;
    await eventually(async () => to('tom@ateliers.example').length === 1, 'delivered after SMTP returned', 20_000);
    await ledgerSent('tom@ateliers.example', 'ledger sent');
    await new Promise((r) => setTimeout(r, 1200));
    expect(to('tom@ateliers.example')).toHaveLength(1);
  });

  it('a crash between SMTP 250 and the ledger: the restart resends with the SAME Message-ID, records once, emits once', async () => {
    crashOnce = 'ana@ateliers.example';
    const stage = await publishReminder(
      w,
      agreement(p1, 'CH-CRASH', org, [{ name: 'Ana', email: 'ana@ateliers.example', locale: 'fr' }]),
      { asOf: '2027-06-15', dueDate: '2027-07-15' },
    );
    await eventually(async () => to('ana@ateliers.example').length === 1, 'first copy accepted by SMTP');
    await eventually(async () => crashOnce === null, 'hook fired');
    expect(
      (await w.db.query(`SELECT state FROM reminder_delivery WHERE email = 'ana@ateliers.example'`)).rows[0].state,
    ).toBe('sending');
    await w.svc.stop();
    // the restarted notifier sees the lease expired (its clock is two minutes ahead)
    await w.restart({ clock: () => new Date(Date.now() + 120_000) });
    await ledgerSent('ana@ateliers.example', 'recorded after restart');
    const copies = to('ana@ateliers.example');
    expect(copies).toHaveLength(2);
    expect(copies[1]!.parsed.messageId).toBe(copies[0]!.parsed.messageId);
    expect(copies[1]!.parsed.date?.getTime()).toBe(copies[0]!.parsed.date?.getTime());
    expect(await sentEvents(stage.reminderId)).toBe(1);
  });
});
