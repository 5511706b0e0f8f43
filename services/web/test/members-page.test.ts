import crypto from 'node:crypto';
import type { Principal } from '@pc/service-kit';
import { eventually, type SmtpSink } from '@pc/testkit';
import type { RunningWeb } from '../src/main';
import { withWebAlone } from './web-alone';
import { principalFor, type Person } from '../src/domain/person';
import { addMember, removeMember } from '../src/use-cases/members';

// The funder's members page over HTTP (the real service, PostgreSQL, the SMTP sink), signed in by a
// session opened in the store: each bad field named next to it and nothing written; the invitation
// in the language chosen; removal ends the member's sessions; removing oneself is a 409 with nothing
// changed, in the use case as well as on the page; another funder's member is a 404.
let sink: SmtpSink;
let web: RunningWeb;
let base: string;
withWebAlone((w, b, k) => {
  web = w;
  base = b;
  sink = k;
});

const funderA = crypto.randomUUID();
const funderB = crypto.randomUUID();
const admin: Principal = { keyId: 'admin', role: 'admin', funderId: null, funderIds: [], granteeId: null };

/** A signed-in browser of `person` (session and CSRF cookies, the form field), opened on `first`. */
async function browserOf(person: Person, first: string) {
  const session = await web.deps.sessions.open(person, 'fr');
  let cookie = `pc_session=${session}`;
  const get = async (path: string): Promise<{ status: number; html: string; location: string | null }> => {
    const r = await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: r.status, html: await r.text(), location: r.headers.get('location') };
  };
  // the first page sets the CSRF cookie; its forms carry the field
  const opened = await fetch(`${base}${first}`, { headers: { cookie } });
  const csrfCookie = /pc_csrf=([^;]+)/.exec(opened.headers.get('set-cookie') ?? '')![1];
  cookie = `${cookie}; pc_csrf=${csrfCookie}`;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await opened.text())![1]!;
  const post = async (path: string, form: Record<string, string>) => {
    const r = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      redirect: 'manual',
    });
    return { status: r.status, location: r.headers.get('location'), html: await r.text() };
  };
  return { person, session, get, post, principal: principalFor(person) };
}

/** A member added by an admin, and a signed-in browser of that person. */
async function officer(email: string, funderId: string) {
  const m = await addMember(web.deps, admin, { email, role: 'funder_officer', funderIds: [funderId] }, 'fr');
  const person: Person = { email, role: 'funder_officer', funderIds: [funderId] };
  return { member: m, ...(await browserOf(person, '/funder/members')) };
}

const activeEmails = async (): Promise<string[]> => (await web.deps.members.list(null)).map((m) => m.email).sort();

test('the page lists the funder’s members, invites in the chosen language, removes and ends the sessions', async () => {
  const me = await officer('agente@alpha.example', funderA);
  await officer('autre@beta.example', funderB); // another funder's: never listed
  const page = await me.get('/funder/members');
  expect(page.status).toBe(200);
  expect(page.html).toContain('<h1>Membres du bailleur de fonds</h1>');
  expect(page.html).toContain('agente@alpha.example');
  expect(page.html).not.toContain('autre@beta.example');
  expect(page.html).toContain('href="/funder/members" aria-current="page"');
  expect(page.html).toContain('Vous ne pouvez pas vous retirer vous-même');
  // the officer's own row has no remove button
  expect(page.html).not.toContain(`/funder/members/${me.member.id}/remove`);

  const sent = sink.messages.length;
  const invited = await me.post('/funder/members', {
    email: ' Verif@Alpha.example ',
    role: 'auditor',
    locale: 'en',
  });
  expect(invited.status).toBe(303);
  expect(invited.location).toBe('/funder/members?done=invited');
  const mail = await eventually(
    async () => sink.messages.slice(sent).find((m) => m.envelopeTo.includes('verif@alpha.example')),
    'invitation',
    20_000,
  );
  expect(mail.parsed.subject).toBe('You are invited to Praxis compliance');
  const added = (await web.deps.members.list([funderA])).find((m) => m.email === 'verif@alpha.example')!;
  expect(added).toMatchObject({ role: 'auditor', funderIds: [funderA] });

  const listed = await me.get('/funder/members?done=invited');
  expect(listed.html).toContain('L’invitation est envoyée.');
  expect(listed.html).toContain('verif@alpha.example');
  expect(listed.html).toContain('Vérificateur');
  expect(listed.html).toContain(`action="/funder/members/${added.id}/remove"`);
  expect(listed.html).toContain('aria-label="Retirer le membre verif@alpha.example"');

  const theirSession = await web.deps.sessions.open(
    { email: 'verif@alpha.example', role: 'auditor', funderIds: [funderA] },
    'en',
  );
  expect(await web.deps.sessions.find(theirSession)).not.toBeNull();
  const removed = await me.post(`/funder/members/${added.id}/remove`, {});
  expect(removed).toMatchObject({ status: 303, location: '/funder/members?done=removed' });
  expect(await activeEmails()).not.toContain('verif@alpha.example');
  expect(await web.deps.sessions.find(theirSession)).toBeNull();
  expect((await me.get('/funder/members?done=removed')).html).toContain('Le membre est retiré');
});

test('each bad field is named next to it, in the person’s language, and nobody is added nor emailed', async () => {
  const me = await officer('agent2@alpha.example', funderA);
  const before = await activeEmails();
  const sent = sink.messages.length;
  const cases: Array<[Record<string, string>, string, string]> = [
    [{ email: 'pas-une-adresse', role: 'auditor', locale: 'fr' }, 'member-email-err', 'adresse courriel complète'],
    [{ email: 'x@alpha.example', role: 'admin', locale: 'fr' }, 'member-role-err', 'Choisissez un rôle'],
    [{ email: 'x@alpha.example', role: 'auditor', locale: 'de' }, 'member-locale-err', 'langue de l’invitation'],
  ];
  for (const [form, id, text] of cases) {
    const r = await me.post('/funder/members', form);
    expect(r.status).toBe(422);
    const err = new RegExp(`<span class="error" id="${id}">([^<]*)</span>`).exec(r.html);
    expect(err?.[1]).toContain(text);
    expect(r.html).toMatch(new RegExp(`aria-describedby="[^"]*${id}"`));
    // what was typed is kept
    expect(r.html).toContain(`value="${form.email}"`);
  }
  // all three at once: all three named
  const all = await me.post('/funder/members', { email: '', role: '', locale: '' });
  expect(all.status).toBe(422);
  for (const id of ['member-email-err', 'member-role-err', 'member-locale-err'])
    expect(all.html).toContain(`id="${id}"`);
  expect(await activeEmails()).toEqual(before);
  // addMember awaits its email before answering: none was handed to the sink
  expect(sink.messages.length).toBe(sent);
});

test('removing oneself is a 409, from the page and in the use case, and changes nothing', async () => {
  const me = await officer('moi@alpha.example', funderA);
  const forged = await me.post(`/funder/members/${me.member.id}/remove`, {});
  expect(forged.status).toBe(409);
  expect(forged.html).toContain('vous ne pouvez pas vous retirer vous-même');
  await expect(
    removeMember(web.deps, me.principal, me.member.id, { email: 'MOI@alpha.example' }),
  ).rejects.toMatchObject({ status: 409 });
  expect(await activeEmails()).toContain('moi@alpha.example');
  expect(await web.deps.sessions.find(me.session)).not.toBeNull();
  // another officer of the same funder may
  const colleague = await officer('collegue@alpha.example', funderA);
  expect((await colleague.post(`/funder/members/${me.member.id}/remove`, {})).status).toBe(303);
  expect(await activeEmails()).not.toContain('moi@alpha.example');
  expect(await web.deps.sessions.find(me.session)).toBeNull();
});

test('another funder’s member, or one shared with another funder, is a 404 and stays', async () => {
  const me = await officer('a3@alpha.example', funderA);
  const theirs = await officer('b3@beta.example', funderB);
  const shared = await addMember(
    web.deps,
    admin,
    { email: 'partage@audit.example', role: 'auditor', funderIds: [funderA, funderB] },
    'fr',
  );
  const page = await me.get('/funder/members');
  expect(page.html).toContain('partage@audit.example'); // listed: its scope includes funder A
  expect(page.html).not.toContain(`/funder/members/${shared.id}/remove`);
  expect(page.html).toContain('Partagé avec un autre bailleur de fonds');
  for (const id of [theirs.member.id, shared.id])
    expect((await me.post(`/funder/members/${id}/remove`, {})).status).toBe(404);
  expect(await activeEmails()).toEqual(expect.arrayContaining(['b3@beta.example', 'partage@audit.example']));
  // an auditor has no members page (403), signed out it is the sign-in page, and the use case
  // refuses an auditor before looking anything up
  const auditorSession = await web.deps.sessions.open(
    { email: 'partage@audit.example', role: 'auditor', funderIds: [funderA, funderB] },
    'fr',
  );
  const asAuditor = await fetch(`${base}/funder/members`, { headers: { cookie: `pc_session=${auditorSession}` } });
  expect(asAuditor.status).toBe(403);
  const signedOut = await fetch(`${base}/funder/members`, { redirect: 'manual' });
  expect(signedOut.status).toBe(303);
  expect(signedOut.headers.get('location')).toMatch(/^\/sign-in/);
  const auditor: Principal = { keyId: 'x', role: 'auditor', funderId: null, funderIds: [funderA], granteeId: null };
  await expect(removeMember(web.deps, auditor, crypto.randomUUID())).rejects.toMatchObject({ status: 403 });
});

test('an admin lands on /admin: every funder’s members, invites with a scope by id, a bad id named, removes', async () => {
  const one = await officer('une@alpha-admin.example', funderA);
  await officer('deux@beta-admin.example', funderB);
  await addMember(web.deps, admin, { email: 'chef@admin.example', role: 'admin' }, 'fr');
  const me = await browserOf({ email: 'chef@admin.example', role: 'admin', funderIds: [] }, '/admin');
  const home = await me.get('/');
  expect(home.status).toBe(303);
  expect(home.location).toBe('/admin');
  const page = await me.get('/admin');
  expect(page.status).toBe(200);
  expect(page.html).toContain('<h1>Administration : les membres</h1>');
  expect(page.html).toContain('une@alpha-admin.example');
  expect(page.html).toContain('deux@beta-admin.example');
  expect(page.html).toContain('<option value="admin"');

  // a scope that is not a list of ids: named next to its field, nobody added
  const before = await activeEmails();
  const bad = await me.post('/admin', {
    email: 'verif@both.example',
    role: 'auditor',
    locale: 'fr',
    funderIds: 'Alpha',
  });
  expect(bad.status).toBe(422);
  expect(bad.html).toMatch(/id="member-funderIds-err"[^>]*>Chaque bailleur de fonds est nommé par son identifiant/);
  expect(bad.html).toContain('aria-describedby="member-funders-help member-funderIds-err"');
  expect(await activeEmails()).toEqual(before);
  // an auditor of both funders
  const ok = await me.post('/admin', {
    email: 'verif@both.example',
    role: 'auditor',
    locale: 'fr',
    funderIds: `${funderA}, ${funderB}`,
  });
  expect(ok.status).toBe(303);
  const added = (await web.deps.members.list(null)).find((m) => m.email === 'verif@both.example');
  expect([...added!.funderIds].sort()).toEqual([funderA, funderB].sort());

  // removes a funder's officer (an admin may remove anyone but itself)
  const removed = await me.post(`/admin/${one.member.id}/remove`, {});
  expect(removed.status).toBe(303);
  expect(await activeEmails()).not.toContain('une@alpha-admin.example');
  expect((await me.get('/admin')).html).not.toContain(
    `/admin/${(await web.deps.members.active('chef@admin.example'))!.id}/remove`,
  );
  // a funder officer does not reach the admin's page
  const other = await officer('trois@alpha-admin.example', funderA);
  expect((await other.get('/admin')).status).toBe(403);
});
