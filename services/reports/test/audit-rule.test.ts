import crypto from 'node:crypto';
import { canonicalJson, contentOf, entryHash, GENESIS_HASH, link } from '../src/domain/audit-chain';

// The worked example of README.md ("Audit trail", the hashing rule): if the code and the text
// drift apart, an outsider's verifier written from the text would disagree with the system.
const example = {
  funderId: '6f1c2a7e-0b8d-4c7a-9a51-2d3e4f5a6b7c',
  seq: 1,
  eventId: '0b6e1f52-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
  type: 'programme.registered.v1',
  subject: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
  actor: { kind: 'api_key' as const, id: '11111111-1111-4111-8111-111111111111' },
  at: '2026-12-01T14:03:07.250Z',
  reason: null,
  before: null,
  after: { name: 'Savoirs partagés', code: 'SAVOIRS' },
};

describe('the hashing rule the README states', () => {
  it('gives the canonical form and hash of the worked example', () => {
    expect(canonicalJson(contentOf(example))).toBe(
      '{"actor":{"id":"11111111-1111-4111-8111-111111111111","kind":"api_key"},"after":{"code":"SAVOIRS","name":"Savoirs partagés"},' +
        '"at":"2026-12-01T14:03:07.250Z","before":null,"eventId":"0b6e1f52-3c4d-4e5f-8a9b-0c1d2e3f4a5b",' +
        '"funderId":"6f1c2a7e-0b8d-4c7a-9a51-2d3e4f5a6b7c","reason":null,"seq":1,"subject":"9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",' +
        '"type":"programme.registered.v1"}',
    );
    expect(entryHash(example, GENESIS_HASH)).toBe('3ace060e5dd04b4b241e1c157db82ffdd6bf98066c34829d49ac8575735b6652');
  });

  it('hashes UTF-8 bytes with non-ASCII as is, then prevHash as 64 lowercase hex characters', () => {
    const text = canonicalJson(contentOf(example));
    expect(text).toContain('partagés'); // not \u00e9
    const bytes = Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from(GENESIS_HASH, 'ascii')]);
    expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(entryHash(example, GENESIS_HASH));
    // the next entry links to that hash, lowercase
    const { seq: _seq, ...next } = { ...example, eventId: 'e2' };
    const second = link({ seq: 1, hash: entryHash(example, GENESIS_HASH) }, next);
    expect(second).toMatchObject({
      seq: 2,
      prevHash: '3ace060e5dd04b4b241e1c157db82ffdd6bf98066c34829d49ac8575735b6652',
    });
    expect(second.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
