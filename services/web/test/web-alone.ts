import { createLogger } from '@pc/service-kit';
import { startSmtpSink, testEnv, type SmtpSink, type TestEnv } from '@pc/testkit';
import { loadWebConfig } from '../src/config';
import { startWeb, type RunningWeb } from '../src/main';

/**
 * The web service alone for the file's tests, on a fresh database and vhost, its mail to a local
 * SMTP sink: started before them, given to `use`, stopped and cleaned after.
 */
export function withWebAlone(use: (web: RunningWeb, base: string, sink: SmtpSink, env: TestEnv) => void): void {
  let env: TestEnv | undefined;
  let sink: SmtpSink | undefined;
  let web: RunningWeb | undefined;
  beforeAll(async () => {
    sink = await startSmtpSink();
    env = await testEnv({ SMTP_URL: sink.url, CONTACT_LINK_SECRET: 'c'.repeat(40) });
    web = await startWeb(loadWebConfig(env.env), createLogger('web-test', 'silent'));
    use(web, `http://127.0.0.1:${web.port}`, sink, env);
  });
  afterAll(async () => {
    await web?.stop();
    await sink?.close();
    env?.cleanup();
  });
}
