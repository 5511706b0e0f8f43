import crypto from 'node:crypto';
import { keyedPseudonym, personPseudonymKey, pseudonymize } from '@pc/service-kit';
import { eventually } from '@pc/testkit';
import { loadNotifierConfig } from '../src/config';
import {
  agreement,
  count,
  due,
  dueEvents,
  funder,
  ids,
  loadDirectory,
  programme,
  publish,
  publishReminder,
  publishRun,
  runClosed,
  world,
  type World,
} from './support';

// Digest grouping, rendering through a real SMTP server, idempotence of a second run, escalation copies.
jest.setTimeout(60_000);
let w: World;
const f1 = funder('Fondation Lucie-et-André Chagnon', { reportRecipients: ['suivi@chagnon.example'] });
const f2 = funder('Ministère de la Culture', { reportRecipients: ['dgpc@culture.example'] });
const f3 = funder('Fonds de recherche du Québec', { locale: 'en', reportRecipients: ['reports@frq.example'] });
const p1 = programme(f1, 'SAV-2026', 'Savoirs ouverts');
const p2 = programme(f2, 'CULT-NUM', 'Culture numérique');
const p3 = programme(f3, 'FRQ-OPEN', 'Open research');
const orgA = { id: ids('grantee:A'), name: 'Centre communautaire Hochelaga' };
const alex = { name: 'Alex Tremblay', email: 'Alex@Hochelaga.example', locale: 'fr' as const };

beforeAll(async () => {
  w = await world();
  await loadDirectory(w, [f1, f2, f3], [p1, p2, p3]);
});
afterAll(async () => {
  await w?.close();
});

const to = (addr: string) =>
  w.sink.messages.filter((m) => m.envelopeTo.map((a) => a.toLowerCase()).includes(addr.toLowerCase()));

describe('one digest per contact per run', () => {
  it('sends ONE email for five grants from three funders, grouped by funder then agreement', async () => {
    const runId = crypto.randomUUID();
    const grants = [
      agreement(p1, 'CH-2026-001', orgA, [alex], 'Cuisine collective'),
      agreement(p1, 'CH-2026-002', orgA, [alex], 'Jardins partagés'),
      agreement(p2, 'MC-88', orgA, [alex], 'Archives numériques'),
      agreement(p2, 'MC-89', orgA, [alex], 'Balados de quartier'),
      agreement(p3, 'FRQ-7', orgA, [alex], 'Open data lab'),
    ];
    const stages = grants.map((g, i) =>
      due(g, { runId, asOf: '2027-06-15', dueDate: `2027-07-${String(10 + i).padStart(2, '0')}` }),
    );
    await publishRun(w, runId, '2027-06-15', stages);
    const [mail] = await eventually(
      async () => to('alex@hochelaga.example').length >= 1 && to('alex@hochelaga.example'),
      'digest delivered',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(to('alex@hochelaga.example')).toHaveLength(1);
    const text = mail!.parsed.text ?? '';
    // grouped: each funder once, in order, with its agreements beneath it
    for (const name of [f1.name, f2.name, f3.name]) expect(text.split(`== ${name} ==`)).toHaveLength(2);
    expect(text.indexOf(f1.name)).toBeLessThan(text.indexOf('Cuisine collective'));
    expect(text.indexOf('Jardins partagés')).toBeLessThan(text.indexOf(f3.name));
    expect(text.indexOf(f2.name)).toBeLessThan(text.indexOf('Archives numériques'));
    for (const g of grants) {
      expect(text).toContain(g.referenceCode);
      expect(text).toContain(g.externalRef);
    }
    expect(mail!.parsed.subject).toBe('Rappel : 5 notes à publier sur Praxis');
    // every ledger row of the run is sent and told to the bus once
    expect(
      await count(w.db, `SELECT count(*) AS n FROM reminder_delivery WHERE run_id = $1 AND state = 'sent'`, [runId]),
    ).toBe(5);
    await eventually(
      async () =>
        (await count(
          w.db,
          `SELECT count(*) AS n FROM outbox WHERE type = 'reminder.sent.v1' AND data->>'runId' = $1 AND published_at IS NOT NULL`,
          [runId],
        )) === 5,
      'reminder.sent published',
    );
    const ev = (
      await w.db.query(`SELECT data FROM outbox WHERE type = 'reminder.sent.v1' AND data->>'runId' = $1 LIMIT 1`, [
        runId,
      ])
    ).rows[0].data;
    // the keyed pseudonym (it reaches the audit trail), never the bare hash of the address
    const key = personPseudonymKey(loadNotifierConfig(w.env));
    const sent = await w.db.query(
      `SELECT DISTINCT data->>'contactRef' AS ref FROM outbox WHERE type = 'reminder.sent.v1' AND data->>'runId' = $1`,
      [runId],
    );
    expect(sent.rows.map((r) => r.ref)).toEqual([keyedPseudonym(key, alex.email)]);
    expect(ev.contactRef).not.toBe(pseudonymize(alex.email));
    expect(JSON.stringify(ev)).not.toContain('hochelaga');
    expect(ev.messageId).toBe(mail!.parsed.messageId);
  });

  it('a second run_closed / evaluation of the same stages sends nothing', async () => {
    const g = agreement(p1, 'CH-2026-010', orgA, [{ name: 'Sam', email: 'sam@hochelaga.example', locale: 'fr' }]);
    const run1 = crypto.randomUUID();
    const s1 = [due(g, { runId: run1, asOf: '2027-06-15', dueDate: '2027-07-15' })];
    await publishRun(w, run1, '2027-06-15', s1);
    await eventually(async () => to('sam@hochelaga.example').length === 1, 'first digest');
    // the same run_closed again (new envelope id), then a whole new evaluation announcing the same stage
    const run2 = crypto.randomUUID();
    const s2 = [due(g, { runId: run2, asOf: '2027-06-16', dueDate: '2027-07-15' })];
    await publish(w.t.amqpUrl, [runClosed(run1, '2027-06-15', 1), ...dueEvents(s2), runClosed(run2, '2027-06-16', 1)]);
    await eventually(
      async () =>
        (await count(w.db, 'SELECT count(*) AS n FROM inbox WHERE consumer = $1', ['notifier.reminders'])) >= 1,
      'consumed',
    );
    await eventually(
      async () => (await count(w.db, 'SELECT count(*) AS n FROM run_stage WHERE run_id = $1', [run2])) === 1,
      'run 2 seen',
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(to('sam@hochelaga.example')).toHaveLength(1);
    expect(
      await count(w.db, 'SELECT count(*) AS n FROM reminder_delivery WHERE email = $1', ['sam@hochelaga.example']),
    ).toBe(1);
    expect(
      await count(
        w.db,
        `SELECT count(*) AS n FROM outbox WHERE type = 'reminder.sent.v1' AND data->>'reminderId' = $1`,
        [s1[0]!.reminderId],
      ),
    ).toBe(1);
  });

  it('a run_closed that overtakes its stages waits for them, then sends one digest', async () => {
    const runId = crypto.randomUUID();
    const kit = { name: 'Kit', email: 'kit@hochelaga.example', locale: 'fr' as const };
    const stages = [1, 2, 3].map((i) =>
      due(agreement(p2, `MC-ORD-${i}`, orgA, [kit]), { runId, asOf: '2027-06-15', dueDate: '2027-07-20' }),
    );
    await publish(w.t.amqpUrl, [runClosed(runId, '2027-06-15', 3), ...dueEvents(stages.slice(0, 2))]);
    await eventually(
      async () => (await count(w.db, 'SELECT count(*) AS n FROM run_stage WHERE run_id = $1', [runId])) === 2,
      'two stages in',
    );
    await new Promise((r) => setTimeout(r, 400));
    expect(to('kit@hochelaga.example')).toHaveLength(0);
    await publish(w.t.amqpUrl, dueEvents(stages.slice(2)));
    const [mail] = await eventually(
      async () => to('kit@hochelaga.example').length === 1 && to('kit@hochelaga.example'),
      'digest after the last stage',
    );
    expect(mail!.parsed.subject).toBe('Rappel : 3 notes à publier sur Praxis');
  });

  it('a stage of an agreement without any contact is told to the bus as a permanent failure (nothing to send)', async () => {
    const s = await publishReminder(w, agreement(p3, 'FRQ-NOBODY', orgA, []), {
      asOf: '2027-06-15',
      dueDate: '2027-07-15',
    });
    const ev = await eventually(
      async () =>
        (
          await w.db.query(`SELECT data FROM outbox WHERE type = 'reminder.failed.v1' AND data->>'reminderId' = $1`, [
            s.reminderId,
          ])
        ).rows[0],
      'failure event',
    );
    expect(ev.data).toMatchObject({ permanent: true, email: '', reason: 'the agreement has no contact address' });
    await eventually(
      async () => (await w.db.query(`SELECT digested_at FROM run WHERE run_id = $1`, [s.runId])).rows[0]?.digested_at,
      'run closed',
    );
  });

  it('an escalate stage copies the funder in Cc when the digest is about that funder only', async () => {
    const g = agreement(p1, 'CH-2026-020', orgA, [{ name: 'Kim', email: 'kim@hochelaga.example', locale: 'fr' }]);
    await publishReminder(w, g, { asOf: '2027-08-01', dueDate: '2027-07-15', stage: 'd+14', escalate: true });
    const [mail] = await eventually(
      async () => to('kim@hochelaga.example').length === 1 && to('kim@hochelaga.example'),
      'escalated digest',
    );
    expect(mail!.envelopeTo.sort()).toEqual(['kim@hochelaga.example', 'suivi@chagnon.example']);
    expect((mail!.parsed.cc as { text: string } | undefined)?.text).toBe('suivi@chagnon.example');
    expect(mail!.parsed.subject).toBe('Dernier rappel : 1 note à publier sur Praxis');
    expect(mail!.parsed.text).toContain('en retard de 17 jours');
    expect(mail!.parsed.text).toContain('en copie');
  });

  it('with several funders in the digest, each escalating funder gets a copy of ITS part only', async () => {
    const jo = { name: 'Jo', email: 'jo@hochelaga.example', locale: 'fr' as const };
    const g1 = agreement(p1, 'CH-2026-030', orgA, [jo], 'Projet Chagnon');
    const g2 = agreement(p2, 'MC-90', orgA, [jo], 'Projet Culture');
    const runId = crypto.randomUUID();
    const stages = [
      due(g1, { runId, asOf: '2027-08-01', dueDate: '2027-07-15', stage: 'd+14', escalate: true }),
      due(g2, { runId, asOf: '2027-08-01', dueDate: '2027-08-20' }),
    ];
    await publishRun(w, runId, '2027-08-01', stages);
    const [mail] = await eventually(
      async () => to('jo@hochelaga.example').length === 1 && to('jo@hochelaga.example'),
      'contact digest',
    );
    expect(mail!.envelopeTo).toEqual(['jo@hochelaga.example']);
    expect(mail!.parsed.text).toContain('Projet Culture');
    const copies = (): typeof w.sink.messages =>
      to('suivi@chagnon.example').filter(
        (m) => m.parsed.text?.includes('Projet Chagnon') && !m.envelopeTo.includes('kim@hochelaga.example'),
      );
    const [copy] = await eventually(async () => copies().length > 0 && copies(), 'funder copy');
    expect(copy!.envelopeTo).toEqual(['suivi@chagnon.example']);
    expect(copy!.parsed.text).toContain('Copie pour information');
    expect(copy!.parsed.text).not.toContain('Projet Culture');
    expect(copy!.parsed.text).not.toContain(f2.name);
    expect(to('dgpc@culture.example')).toHaveLength(0);
  });
});
