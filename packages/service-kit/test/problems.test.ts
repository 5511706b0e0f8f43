import request from 'supertest';
import { AppError, createHttpApp, createLogger, fieldError, unavailable } from '../src';

// Problems a person reads are French unless the caller prefers English (brief: French first).
const { app } = createHttpApp({
  service: 'test',
  logger: createLogger('test', 'silent'),
  routes: (a) => {
    a.get('/bilingual', () => {
      throw new AppError('validation_failed', { fr: 'données refusées', en: 'data refused' }, [
        fieldError('reason', { fr: 'un motif est requis', en: 'a reason is required' }),
      ]);
    });
    a.get('/english-only', () => {
      throw new AppError('conflict', 'only in English');
    });
    a.get('/catching-up', () => {
      throw unavailable({ fr: 'pas encore', en: 'not yet' }, 1);
    });
    a.get('/down', () => {
      throw new AppError('unavailable', 'a dependency is down');
    });
  },
});

describe('problem+json', () => {
  it("gives every 503 a Retry-After: the thrower's delay, or the default", async () => {
    const soon = await request(app).get('/catching-up');
    expect([soon.status, soon.headers['retry-after'], JSON.parse(soon.text).detail]).toEqual([503, '1', 'pas encore']);
    const down = await request(app).get('/down');
    expect([down.status, down.headers['retry-after']]).toEqual([503, '5']);
    expect((await request(app).get('/english-only')).headers['retry-after']).toBeUndefined();
  });

  it('answers in French by default, with every field named', async () => {
    const r = await request(app).get('/bilingual');
    expect(r.status).toBe(422);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.headers['content-language']).toBe('fr');
    expect(JSON.parse(r.text)).toMatchObject({
      status: 422,
      title: 'Données invalides',
      detail: 'données refusées',
      errors: [{ path: 'reason', message: 'un motif est requis' }],
    });
  });

  it('answers in English when the caller prefers it', async () => {
    const r = await request(app).get('/bilingual').set('accept-language', 'en-CA,en;q=0.8,fr;q=0.5');
    expect(r.headers['content-language']).toBe('en');
    expect(JSON.parse(r.text)).toMatchObject({
      title: 'Validation failed',
      detail: 'data refused',
      errors: [{ path: 'reason', message: 'a reason is required' }],
    });
    expect(JSON.parse(r.text).errors[0]).not.toHaveProperty('fr');
  });

  it('keeps a single-language message as written, and 404s unknown routes as a problem', async () => {
    expect(JSON.parse((await request(app).get('/english-only')).text)).toMatchObject({
      status: 409,
      title: 'Conflit',
      detail: 'only in English',
    });
    const nf = await request(app).get('/nowhere');
    expect(nf.status).toBe(404);
    expect(JSON.parse(nf.text).title).toBe('Introuvable');
  });
});
