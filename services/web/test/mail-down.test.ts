import { createLogger, type Principal } from '@pc/service-kit';
import { freePort, testEnv, type TestEnv } from '@pc/testkit';
import { loadWebConfig } from '../src/config';
import { startWeb, type RunningWeb } from '../src/main';
import { addMember } from '../src/use-cases/members';

// The mail relay is down (nothing listens at SMTP_URL: a free port left unused): an invitation is a 503 with Retry-After that
// says the member is recorded and the email is not sent, not a 500; the member is there, so the same
// invitation sent again is a resend.
let env: TestEnv;
let web: RunningWeb;

beforeAll(async () => {
  env = await testEnv({ SMTP_URL: `smtp://127.0.0.1:${await freePort()}`, CONTACT_LINK_SECRET: 'c'.repeat(40) });
  web = await startWeb(loadWebConfig(env.env), createLogger('web-test', 'silent'));
});
afterAll(async () => {
  await web?.stop();
  env?.cleanup();
});

const admin: Principal = { keyId: 'admin', role: 'admin', funderId: null, funderIds: [], granteeId: null };

test('an invitation while the relay is down: 503, Retry-After, the member recorded and no 500', async () => {
  const email = 'relais.absent@example.org';
  const err = await addMember(web.deps, admin, { email, role: 'admin' }, 'fr').then(
    () => null,
    (e: unknown) => e as { status: number; fr?: string; retryAfterSeconds?: number },
  );
  expect(err).toMatchObject({ status: 503, retryAfterSeconds: 60 });
  expect(err!.fr).toContain('renvoyez la même invitation');
  expect(await web.deps.members.active(email)).toMatchObject({ email, role: 'admin' });

  // the same through the admin's page: the error page in French, with its status and Retry-After
  const session = await web.deps.sessions.open({ email: 'chef@example.org', role: 'admin', funderIds: [] }, 'fr');
  const base = `http://127.0.0.1:${web.port}`;
  const first = await fetch(`${base}/admin`, { headers: { cookie: `pc_session=${session}` } });
  const csrfCookie = /pc_csrf=([^;]+)/.exec(first.headers.get('set-cookie') ?? '')![1]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await first.text())![1]!;
  const res = await fetch(`${base}/admin`, {
    method: 'POST',
    headers: {
      cookie: `pc_session=${session}; pc_csrf=${csrfCookie}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: csrf, email: 'autre@example.org', role: 'admin', locale: 'fr' }).toString(),
    redirect: 'manual',
  });
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('60');
  expect(await res.text()).toContain('le courriel d’invitation n’a pas pu partir');
});
