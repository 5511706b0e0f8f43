import { evidenceVerdict, type MatchedAgreement } from '../src/domain/evidence-withdrawal';
import type { PageContent, PageOutcome } from '../src/domain/page';

// The evidence-withdrawal rule alone (no I/O): every page outcome against a note's stored state.
const agreements: MatchedAgreement[] = [
  { id: 'a1', referenceCode: 'PX-AAAA-0001', externalRef: 'FA-2024-1' },
  { id: 'a2', referenceCode: 'PX-AAAA-0002', externalRef: null },
];
const content = (text: string): PageContent => ({
  title: 'Bilan',
  text,
  publishedOn: null,
  publishedSource: null,
  visibility: 'public',
  loginForm: false,
});
const page = (text: string): PageOutcome => ({
  kind: 'public',
  url: 'https://praxis.encommun.io/n/abcd/',
  noteId: 'abcd',
  httpStatus: 200,
  content: content(text),
});

describe('evidence withdrawal', () => {
  it.each<[string, PageOutcome, string, ReturnType<typeof evidenceVerdict>['kind'], Record<string, unknown>]>([
    [
      'a 404',
      { kind: 'not_public', reason: 'not_found', httpStatus: 404 },
      'public',
      'withdrawn',
      { reason: 'not_found', httpStatus: 404, newly: true },
    ],
    [
      'a 410',
      { kind: 'not_public', reason: 'gone', httpStatus: 410 },
      'public',
      'withdrawn',
      { reason: 'gone', httpStatus: 410, newly: true },
    ],
    [
      'a login redirect',
      { kind: 'not_public', reason: 'login_required', httpStatus: 302 },
      'public',
      'withdrawn',
      { reason: 'login_required', httpStatus: 302 },
    ],
    [
      'a private page',
      { kind: 'not_public', reason: 'private', httpStatus: 200 },
      'public',
      'withdrawn',
      { reason: 'private', newly: true },
    ],
    [
      'a 403 on a note already withdrawn',
      { kind: 'not_public', reason: 'private', httpStatus: 403 },
      'withdrawn',
      'withdrawn',
      { newly: false },
    ],
    [
      'a page without any matched reference',
      page('Projet sans référence'),
      'public',
      'withdrawn',
      { reason: 'reference_removed', httpStatus: 200, newly: true },
    ],
    [
      'a page still mentioning one reference, spelled otherwise',
      page('code px aaaa 0002'),
      'public',
      'public',
      { agreementIds: ['a2'], restored: false },
    ],
    ['a page mentioning the funder reference', page('FA 2024 1'), 'public', 'public', { agreementIds: ['a1'] }],
    [
      'a withdrawn note public again',
      page('PX-AAAA-0001 et PX-AAAA-0002'),
      'withdrawn',
      'public',
      { agreementIds: ['a1', 'a2'], restored: true },
    ],
    [
      'a timeout',
      { kind: 'unavailable', reason: 'timeout', httpStatus: null, message: 'slow' },
      'public',
      'unavailable',
      { message: 'slow' },
    ],
    [
      'a 503 on a withdrawn note',
      { kind: 'unavailable', reason: 'server_error', httpStatus: 503, message: 'HTTP 503' },
      'withdrawn',
      'unavailable',
      {},
    ],
    [
      'a redirect to another host',
      { kind: 'refused', reason: 'redirect_other_host', host: 'evil.example' },
      'public',
      'unjudged',
      {},
    ],
    [
      'an oversize page',
      { kind: 'invalid', reason: 'too_large', httpStatus: null, message: 'big' },
      'public',
      'unjudged',
      {},
    ],
  ])('%s', (_, outcome, state, kind, fields) => {
    const v = evidenceVerdict(state, outcome, agreements);
    expect(v.kind).toBe(kind);
    expect(v).toMatchObject(fields);
  });

  it('keeps a note only for the agreements still mentioned, in match order', () => {
    const v = evidenceVerdict('public', page('PX-AAAA-0002 puis PX-AAAA-0001'), agreements);
    expect(v).toMatchObject({ kind: 'public', agreementIds: ['a1', 'a2'] });
    expect(evidenceVerdict('public', page('PX-AAAA-0001'), [])).toMatchObject({
      kind: 'withdrawn',
      reason: 'reference_removed',
    });
  });
});
