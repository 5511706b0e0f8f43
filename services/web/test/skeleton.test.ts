import { startSmtpSink, testEnv, type SmtpSink, type TestEnv } from '@pc/testkit';
import { loadWebConfig } from '../src/config';
import { startWeb, type RunningWeb } from '../src/main';
import { createLogger } from '@pc/service-kit';

let env: TestEnv;
let sink: SmtpSink;
let web: RunningWeb;
let base: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  env = await testEnv({ SMTP_URL: sink.url, CONTACT_LINK_SECRET: 'c'.repeat(40) });
  web = await startWeb(loadWebConfig(env.env), createLogger('web-test', 'silent'));
  base = `http://127.0.0.1:${web.port}`;
});
afterAll(async () => {
  await web?.stop();
  await sink?.close();
  env?.cleanup();
});

test('the sign-in page renders in French by default, escaped, with the layout landmarks', async () => {
  const res = await fetch(`${base}/sign-in`);
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toMatch(/^<!doctype html><html lang="fr">/);
  expect(html).toContain('<main id="main"');
  expect(html).toContain('Recevoir un lien');
  expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
});
