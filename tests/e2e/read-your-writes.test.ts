import { eventually } from '@pc/testkit';
import { ADMIN, json, startSystem, type System } from './system';

// Read your writes through the public API: an id a response just returned is usable in the very next
// request, although the service asked about it learns of it only through events. A service whose
// projection has not reached the id waits for it or answers 503 with Retry-After, never 404; an id
// that never existed, or that belongs to another tenant, stays a 404.
let sys: System;
beforeAll(async () => {
  sys = await startSystem();
}, 120_000);
afterAll(async () => {
  await sys?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const UNKNOWN = '6f1c2a4e-0b7d-4c3e-9a52-3d0e8f6b1a27';

const key = async (body: Record<string, unknown>): Promise<string> =>
  (await json<{ token: string }>(await sys.call('POST', '/v1/api-keys', ADMIN, { label: 'k', ...body }), 201)).token;
const funder = async (name: string): Promise<string> =>
  (await json<{ id: string }>(await sys.call('POST', '/v1/funders', ADMIN, { name, kind: 'foundation' }), 201)).id;

interface Registered {
  id: string;
  grantee: { id: string };
  obligations: { id: string; dueDate: string }[];
}
const agreementBody = (ref: string, programmeCode: string, count = 1) => ({
  externalRef: ref,
  programmeCode,
  title: `Projet ${ref}`,
  startDate: '2027-01-01',
  endDate: '2027-12-31',
  grantee: {
    name: 'Cuisines solidaires de Limoilou',
    neq: '1234567890',
    contacts: [{ name: 'Alex Tremblay', email: `contact-${ref.toLowerCase()}@example.org` }],
  },
  requirements: [{ kind: 'learning_note', count, due: { anchor: 'end', offset: 'P90D' } }],
});

/**
 * Sends once; a 503 must carry Retry-After, and is followed once after that delay. Any other 5xx,
 * and a 503 without Retry-After, is returned as is for the caller's assertion to name.
 */
async function sendFollowing503(send: () => Promise<Response>): Promise<{ res: Response; followed: boolean }> {
  const first = await send();
  if (first.status !== 503) return { res: first, followed: false };
  const after = Number(first.headers.get('retry-after'));
  if (!first.headers.has('retry-after') || !Number.isFinite(after) || after < 0) return { res: first, followed: false };
  await first.text();
  await sleep(after * 1000);
  return { res: await send(), followed: true };
}

it('registers then at once waives, extends and declares evidence, 200 times: never a 404', async () => {
  const A = await funder('Fondation Lecture');
  const funderA = await key({ role: 'funder', funderId: A });
  expect((await sys.call('POST', '/v1/programmes', funderA, { code: 'LOOP', name: 'Boucle' })).status).toBe(201);
  const first = await json<Registered>(
    await sys.call('POST', '/v1/agreements', funderA, agreementBody('SEED', 'LOOP')),
    201,
  );
  // one organisation (one NEQ) across every agreement of the loop: its key is made once, up front
  const grantee = await key({ role: 'grantee', granteeId: first.grantee.id });

  const rounds = 200;
  const refs = Array.from({ length: rounds }, (_, i) => `RYWLOOP${String(i).padStart(4, '0')}`);
  // each agreement's note exists before the agreement does: the declaration follows registration at once
  const notes = refs.map((ref) =>
    sys.simulator.createNote({
      title: `Bilan ${ref}`,
      visibility: 'public',
      publishedAt: '2027-06-20',
      body: `Ce que nous avons appris. Entente ${ref} du bailleur.`,
    }),
  );

  const failures: string[] = [];
  let followed = 0;
  for (let i = 0; i < rounds; i++) {
    const ag = await json<Registered>(
      await sys.call('POST', '/v1/agreements', funderA, agreementBody(refs[i]!, 'LOOP', 3)),
      201,
    );
    const [o1, o2, o3] = ag.obligations.map((o) => o.id);
    const acts: Array<[string, () => Promise<Response>, (body: Record<string, unknown>) => boolean]> = [
      [
        'waiver',
        () => sys.call('POST', `/v1/obligations/${o1}/waiver`, funderA, { reason: 'projet annulé' }),
        (b) => b.status === 'waived',
      ],
      [
        'extension',
        () =>
          sys.call('POST', `/v1/obligations/${o2}/extension`, funderA, {
            newDueDate: '2029-06-30',
            reason: 'report accordé',
          }),
        (b) => b.status === 'extended' && b.dueDate === '2029-06-30',
      ],
      [
        'evidence',
        () => sys.call('POST', `/v1/obligations/${o3}/evidence`, grantee, { url: sys.simulator.noteUrl(notes[i]!.id) }),
        (b) => b.accepted === true && (b.obligation as { status?: string }).status === 'fulfilled',
      ],
    ];
    // the three requests leave together, right after the registration's answer
    const outcomes = await Promise.all(acts.map(([, send]) => sendFollowing503(send)));
    for (const [j, { res, followed: f }] of outcomes.entries()) {
      const [what, , ok] = acts[j]!;
      if (f) followed++;
      const text = await res.text();
      if (res.status !== 200) failures.push(`round ${i} ${what}: ${res.status} ${text}`);
      else if (!ok(JSON.parse(text) as Record<string, unknown>)) failures.push(`round ${i} ${what}: 200 but ${text}`);
    }
  }
  expect(failures.filter((f) => / 404 /.test(f))).toEqual([]);
  expect(failures).toEqual([]);
  // a 503 is allowed (followed once above); it is reported so a regression to "always wait 5 s" shows
  console.info(`read-your-writes loop: ${rounds} rounds × 3 requests, ${followed} 503 followed once`);
}, 900_000);

it('a programme and a contact are usable at once: report by programme, contact preferences', async () => {
  const B = await funder('Fondation Programme');
  const funderB = await key({ role: 'funder', funderId: B });
  const failures: string[] = [];
  for (let i = 0; i < 25; i++) {
    // a programme right after its funder, and the report of that programme right after the programme
    const F = await funder(`Fondation ${i}`);
    const k = await key({ role: 'funder', funderId: F });
    const made = await sys.call('POST', '/v1/programmes', k, { code: `P${i}`, name: `Programme ${i}` });
    if (made.status !== 201) failures.push(`programme ${i}: ${made.status} ${await made.text()}`);
    const programme = (await made.json()) as { id: string };
    for (const q of [`P${i}`, programme.id]) {
      const { res } = await sendFollowing503(() => sys.call('GET', `/v1/reports/compliance?programme=${q}`, k));
      if (res.status !== 200) failures.push(`report ${q}: ${res.status} ${await res.text()}`);
    }
  }
  expect((await sys.call('POST', '/v1/programmes', funderB, { code: 'CONTACTS', name: 'Contacts' })).status).toBe(201);
  for (let i = 0; i < 25; i++) {
    // a contact's preferences set by its grantee right after the agreement that names it
    const ag = await json<Registered>(
      await sys.call('POST', '/v1/agreements', funderB, {
        ...agreementBody(`CONTACT-${i}`, 'CONTACTS'),
        grantee: { name: `Organisme ${i}`, contacts: [{ name: 'Contact', email: `Pref-${i}@Example.org` }] },
      }),
      201,
    );
    const g = await key({ role: 'grantee', granteeId: ag.grantee.id });
    const { res } = await sendFollowing503(() =>
      sys.call('PUT', `/v1/me/contacts/pref-${i}@example.org/preferences`, g, { locale: 'en' }),
    );
    if (res.status !== 200) failures.push(`preferences ${i}: ${res.status} ${await res.text()}`);
  }
  expect(failures).toEqual([]);
}, 600_000);

it('an unknown id and another tenant’s id are both 404, before and after the projection has them', async () => {
  const A = await funder('Fondation A');
  const B = await funder('Fondation B');
  const funderA = await key({ role: 'funder', funderId: A });
  const funderB = await key({ role: 'funder', funderId: B });
  const auditorB = await key({ role: 'auditor', funderIds: [B] });
  for (const [k, code] of [
    [funderA, 'ISO-A'],
    [funderB, 'ISO-B'],
  ] as const)
    expect((await sys.call('POST', '/v1/programmes', k, { code, name: code })).status).toBe(201);
  const agB = await json<Registered>(
    await sys.call('POST', '/v1/agreements', funderB, {
      ...agreementBody('ISO-B-1', 'ISO-B'),
      grantee: { name: 'Organisme B', contacts: [{ name: 'B', email: 'b@example.org' }] },
    }),
    201,
  );
  const granteeB = await key({ role: 'grantee', granteeId: agB.grantee.id });

  const probes = (obligation: string, programme: string, email: string): Array<[string, string, string, unknown?]> => [
    [funderB, 'GET', `/v1/obligations/${obligation}`],
    [auditorB, 'GET', `/v1/obligations/${obligation}`],
    [granteeB, 'GET', `/v1/obligations/${obligation}`],
    [funderB, 'POST', `/v1/obligations/${obligation}/waiver`, { reason: 'x' }],
    [funderB, 'POST', `/v1/obligations/${obligation}/extension`, { newDueDate: '2029-01-01', reason: 'x' }],
    [granteeB, 'POST', `/v1/obligations/${obligation}/evidence`, { url: sys.simulator.noteUrl('abc') }],
    [funderB, 'GET', `/v1/reports/compliance?programme=${programme}`],
    [granteeB, 'PUT', `/v1/me/contacts/${email}/preferences`, { locale: 'en' }],
  ];
  const statuses = async (list: Array<[string, string, string, unknown?]>) => {
    const out: Array<[string, string, number]> = [];
    for (const [k, method, path, body] of list)
      out.push([method, path, (await sys.call(method, path, k, body)).status]);
    return out;
  };
  const all404 = (list: Array<[string, string, string, unknown?]>) => list.map(([, m, p]) => [m, p, 404]);

  // never existed
  const unknown = probes(UNKNOWN, 'NO-SUCH-PROGRAMME', 'nobody@example.org');
  expect(await statuses(unknown)).toEqual(all404(unknown));

  // funder A's, asked by B's keys at once (A's projection may not have it yet), then once it has
  const agA = await json<Registered & { referenceCode: string }>(
    await sys.call('POST', '/v1/agreements', funderA, {
      ...agreementBody('ISO-A-1', 'ISO-A'),
      grantee: { name: 'Organisme A', contacts: [{ name: 'A', email: 'a@example.org' }] },
    }),
    201,
  );
  const foreign = probes(agA.obligations[0]!.id, 'ISO-A', 'a@example.org');
  expect(await statuses(foreign)).toEqual(all404(foreign));
  await eventually(
    async () => (await sys.call('GET', `/v1/obligations/${agA.obligations[0]!.id}`, funderA)).status === 200,
    "A's obligation tracked",
  );
  expect(await statuses(foreign)).toEqual(all404(foreign));
  // and A itself reaches all of it
  expect((await sys.call('GET', '/v1/reports/compliance?programme=ISO-A', funderA)).status).toBe(200);
}, 300_000);
