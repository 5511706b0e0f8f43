import request from 'supertest';
import type { components } from '@pc/contracts';
import { catalog, createHttpApp, createLogger, DEFAULT_LOCALE, LOCALES, localeOf, toLocale, type Locale } from '../src';

// The catalog's promise is made by the compiler: each `@ts-expect-error` below is a line `pnpm typecheck`
// rejects if it ever compiles (an unused directive is an error), and the run-time guard repeats the
// key check for what a cast or plain JavaScript would slip past.

const greetings = catalog({
  fr: {
    hello: 'Bonjour',
    welcome: (name: string, n: number) => `Bienvenue ${name} (${n})`,
    kinds: { final_note: 'Note finale' },
    steps: ['un', 'deux'],
  },
  en: {
    hello: 'Hello',
    welcome: (name, n) => `Welcome ${name} (${n})`,
    kinds: { final_note: 'Final note' },
    steps: ['one', 'two'],
  },
});

describe('catalog', () => {
  it('renders a text or a function of typed parameters in either language, and both for an error', () => {
    expect(greetings.t('fr', 'hello')).toBe('Bonjour');
    expect(greetings.t('en', 'welcome', 'Alex', 2)).toBe('Welcome Alex (2)');
    expect(greetings.both('welcome', 'Alex', 2)).toEqual({ fr: 'Bienvenue Alex (2)', en: 'Welcome Alex (2)' });
    expect(greetings.en.kinds.final_note).toBe('Final note');
    expect(greetings.fr.steps).toEqual(['un', 'deux']);
    expect(greetings.has('hello')).toBe(true);
    expect(greetings.has('kinds')).toBe(false); // a group is read from cat[locale], not rendered by t
    expect(greetings.has('nope')).toBe(false);
  });

  it('does not compile, nor load, when en lacks a key fr has', () => {
    expect(() =>
      catalog({
        fr: { hello: 'Bonjour', bye: 'Au revoir' },
        // @ts-expect-error — `bye` is missing in en
        en: { hello: 'Hello' },
      }),
    ).toThrow('bye: missing in en');
    expect(() =>
      catalog({
        fr: { group: { a: 'a', b: 'b' } },
        // @ts-expect-error — `group.b` is missing in en
        en: { group: { a: 'a' } },
      }),
    ).toThrow('group.b: missing in en');
  });

  it('does not compile when en has a key fr lacks, or other parameters, or another kind of entry', () => {
    // @ts-expect-error — `extra` does not exist in fr
    expect(() => catalog({ fr: { hello: 'Bonjour' }, en: { hello: 'Hello', extra: 'x' } })).toThrow(
      'extra: missing in fr',
    );
    // @ts-expect-error — en's function expects a string where fr's takes a number
    catalog({ fr: { count: (n: number) => `${n} notes` }, en: { count: (n: string) => `${n} notes` } });
    catalog({
      fr: { count: (n: number) => `${n} notes` },
      // @ts-expect-error — en's function asks for a parameter fr's callers never pass
      en: { count: (n: number, of: number) => `${n}/${of} notes` },
    });
    // @ts-expect-error — a function in fr is a plain text in en
    expect(() => catalog({ fr: { count: (n: number) => `${n} notes` }, en: { count: 'notes' } })).toThrow(
      'count: function in fr, string in en',
    );
  });

  it('checks the key and the parameters of t against the French side', () => {
    // Compile-time only: these calls are never meant to render anything useful.
    // @ts-expect-error — welcome takes a name and a number
    greetings.t('fr', 'welcome', 'Alex');
    // @ts-expect-error — kinds is a group (read it from greetings[locale]), not a text
    greetings.t('fr', 'kinds');
    // @ts-expect-error — no such key
    greetings.t('en', 'nope');
  });

  it('reads French for a language it does not speak, should one be cast past the types', () => {
    // @ts-expect-error — only the two languages exist
    expect(greetings.t('de', 'hello')).toBe('Bonjour');
  });
});

describe('Locale', () => {
  it('is French by default', () => {
    expect(DEFAULT_LOCALE).toBe('fr');
    expect(LOCALES[0]).toBe('fr');
    expect([toLocale(undefined), toLocale(null), toLocale('de'), toLocale('EN'), toLocale('en')]).toEqual([
      'fr',
      'fr',
      'fr',
      'fr',
      'en',
    ]);
  });

  it('is the language the contract declares', () => {
    const contract: components['schemas']['Locale'][] = [...LOCALES];
    const ours: Locale[] = contract;
    expect(ours).toEqual(['fr', 'en']);
  });

  it('is negotiated from Accept-Language, French when the caller names neither language', async () => {
    const { app } = createHttpApp({
      service: 'test',
      logger: createLogger('test', 'silent'),
      routes: (a) => {
        a.get('/locale', (req, res) => {
          res.send(localeOf(req));
        });
      },
    });
    const asked = async (header?: string): Promise<string> => {
      const r = request(app).get('/locale');
      return (await (header === undefined ? r : r.set('accept-language', header))).text;
    };
    expect(await asked()).toBe('fr');
    expect(await asked('de-DE')).toBe('fr');
    expect(await asked('*')).toBe('fr');
    expect(await asked('fr-CA')).toBe('fr');
    expect(await asked('en-CA,en;q=0.8,fr;q=0.5')).toBe('en');
    expect(await asked('de, en;q=0.5')).toBe('en');
    expect(await asked('en;q=0.2, fr')).toBe('fr');
  });
});
