import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { eventually } from '@pc/testkit';
import { ADMIN, json, startSystem, type System } from './system';

/*
 * The access matrix, generated from the contract: every operation of contracts/openapi.yaml is called
 * with every role on funder A's objects, and must answer the status written in its row. An operation
 * added to the contract without a row here fails the first test, so the matrix cannot fall behind.
 * Another tenant's answers (funder B, auditor of B, grantee of B) must not contain any of A's ids,
 * names or emails, whatever their status.
 */

const ROLES = [
  'admin',
  'funderA',
  'funderB',
  'auditorA',
  'auditorB',
  'granteeA',
  'granteeB',
  'anonymous',
  'revoked',
] as const;
type Role = (typeof ROLES)[number];
const OTHER_TENANT: Role[] = ['funderB', 'auditorB', 'granteeB'];

interface Fixture {
  sys: System;
  tokens: Record<Role, string | null>;
  funderA: { id: string; name: string };
  funderB: { id: string };
  programmeA: string;
  agreementA: Registered;
  /** Secrets and personal data of A that no other tenant may read. */
  secretsOfA: string[];
  /** A fresh agreement of A for an operation that changes what it acts on (each call its own). */
  freshAgreement(): Promise<Registered>;
  /** A fresh API key id, for revocation. */
  freshKeyId(): Promise<string>;
  /** A fresh member of A (a funder officer), for removal. */
  freshMemberId(): Promise<string>;
  /** Grantee ids of A and of B that name the same fresh NEQ (for a link). */
  neqPair(): Promise<[string, string]>;
  unique(prefix: string): string;
}

interface Registered {
  id: string;
  referenceCode: string;
  grantee: { id: string };
  obligations: Array<{ id: string }>;
}

interface Request {
  path: string;
  body?: unknown;
  contentType?: string;
}

interface Row {
  request(f: Fixture, role: Role): Promise<Request>;
  /** Expected status per role, in ROLES order. */
  expect: readonly [number, number, number, number, number, number, number, number, number];
}

// prettier-ignore
const MATRIX: Record<string, Row> = {
  //                                                                    admin  fA   fB   audA audB  grA  grB  anon revoked
  'GET /healthz':                       { request: async () => ({ path: '/healthz' }),   expect: [200, 200, 200, 200, 200, 200, 200, 200, 200] },
  'GET /readyz':                        { request: async () => ({ path: '/readyz' }),    expect: [200, 200, 200, 200, 200, 200, 200, 200, 200] },
  'GET /metrics':                       { request: async () => ({ path: '/metrics' }),   expect: [200, 200, 200, 200, 200, 200, 200, 200, 200] },
  'GET /docs':                          { request: async () => ({ path: '/docs' }),      expect: [200, 200, 200, 200, 200, 200, 200, 200, 200] },
  'GET /docs/openapi.yaml':             { request: async () => ({ path: '/docs/openapi.yaml' }), expect: [200, 200, 200, 200, 200, 200, 200, 200, 200] },
  'POST /v1/funders': {
    request: async (f) => ({ path: '/v1/funders', body: { name: f.unique('Fondation'), kind: 'foundation' } }),
    expect:                                                                  [201, 403, 403, 403, 403, 403, 403, 401, 401] },
  'GET /v1/api-keys':                   { request: async () => ({ path: '/v1/api-keys' }),
    // a funder lists its own funder keys only (B's list holds none of A's ids)
    expect:                                                                  [200, 200, 200, 403, 403, 403, 403, 401, 401] },
  'POST /v1/api-keys': {
    // a funder creates funder keys for itself; A's funderId is, to funder B, not found
    request: async (f) => ({ path: '/v1/api-keys', body: { role: 'funder', funderId: f.funderA.id, label: 'matrix' } }),
    expect:                                                                  [201, 201, 404, 403, 403, 403, 403, 401, 401] },
  'DELETE /v1/api-keys/{id}': {
    request: async (f) => ({ path: `/v1/api-keys/${await f.freshKeyId()}` }),
    expect:                                                                  [204, 204, 404, 403, 403, 403, 403, 401, 401] },
  'POST /v1/members': {
    request: async (f) => ({ path: '/v1/members', body: { email: `${f.unique('m')}@alpha.example`, role: 'funder_officer', funderIds: [f.funderA.id] } }),
    // funder B naming A's funder: a funder adds members of its own funder only
    expect:                                                                  [201, 201, 403, 403, 403, 403, 403, 401, 401] },
  'GET /v1/members':                    { request: async () => ({ path: '/v1/members' }),
    expect:                                                                  [200, 200, 200, 403, 403, 403, 403, 401, 401] },
  'DELETE /v1/members/{id}': {
    request: async (f) => ({ path: `/v1/members/${await f.freshMemberId()}` }),
    expect:                                                                  [204, 204, 404, 403, 403, 403, 403, 401, 401] },
  'POST /v1/jobs/evaluate':             { request: async () => ({ path: '/v1/jobs/evaluate', body: {} }),
    expect:                                                                  [202, 403, 403, 403, 403, 403, 403, 401, 401] },
  'POST /v1/jobs/praxis-sync':          { request: async () => ({ path: '/v1/jobs/praxis-sync' }),
    expect:                                                                  [202, 403, 403, 403, 403, 403, 403, 401, 401] },
  'GET /v1/jobs/{id}': {
    request: async (f) => {
      const job = await json<{ id: string }>(await f.sys.call('POST', '/v1/jobs/praxis-sync', ADMIN), 202);
      return { path: `/v1/jobs/${job.id}` };
    },
    expect:                                                                  [200, 403, 403, 403, 403, 403, 403, 401, 401] },
  'POST /v1/programmes': {
    request: async (f) => ({ path: '/v1/programmes', body: { code: f.unique('P'), name: 'Programme' } }),
    expect:                                                                  [403, 201, 201, 403, 403, 403, 403, 401, 401] },
  'GET /v1/programmes':                 { request: async () => ({ path: '/v1/programmes' }),
    expect:                                                                  [403, 200, 200, 200, 200, 403, 403, 401, 401] },
  'POST /v1/agreements': {
    request: async (f) => ({ path: '/v1/agreements', body: agreementBody(f.programmeA, f.unique('R')) }),
    // funder B names A's programme code: to B it is an unknown code, as one that never existed (422)
    expect:                                                                  [403, 201, 422, 403, 403, 403, 403, 401, 401] },
  'GET /v1/agreements':                 { request: async () => ({ path: '/v1/agreements' }),
    expect:                                                                  [403, 200, 200, 200, 200, 403, 403, 401, 401] },
  'POST /v1/agreements/import': {
    request: async (f) => ({ path: '/v1/agreements/import', body: csvOf(f.programmeA, f.unique('C')), contentType: 'text/csv' }),
    expect:                                                                  [403, 201, 422, 403, 403, 403, 403, 401, 401] },
  // The template holds no tenant's data: every funder reads the same file.
  'GET /v1/agreements/import/template': { request: async () => ({ path: '/v1/agreements/import/template?locale=fr' }),
    expect:                                                                  [403, 200, 200, 403, 403, 403, 403, 401, 401] },
  'GET /v1/agreements/{id}':            { request: async (f) => ({ path: `/v1/agreements/${f.agreementA.id}` }),
    expect:                                                                  [403, 200, 404, 200, 404, 403, 403, 401, 401] },
  'PATCH /v1/agreements/{id}': {
    request: async (f) => ({ path: `/v1/agreements/${(await f.freshAgreement()).id}`, body: { endDate: '2028-06-30' } }),
    expect:                                                                  [403, 200, 404, 403, 403, 403, 403, 401, 401] },
  'POST /v1/agreements/{id}/terminate': {
    request: async (f) => ({ path: `/v1/agreements/${(await f.freshAgreement()).id}/terminate`, body: { reason: 'fin' } }),
    expect:                                                                  [403, 200, 404, 403, 403, 403, 403, 401, 401] },
  'GET /v1/obligations':                { request: async () => ({ path: '/v1/obligations' }),
    expect:                                                                  [403, 200, 200, 200, 200, 403, 403, 401, 401] },
  'GET /v1/obligations/{id}':           { request: async (f) => ({ path: `/v1/obligations/${f.agreementA.obligations[0]!.id}` }),
    expect:                                                                  [403, 200, 404, 200, 404, 200, 404, 401, 401] },
  'POST /v1/obligations/{id}/extension': {
    request: async (f) => ({ path: `/v1/obligations/${(await f.freshAgreement()).obligations[0]!.id}/extension`, body: { newDueDate: '2029-01-01', reason: 'délai' } }),
    expect:                                                                  [403, 200, 404, 403, 403, 403, 403, 401, 401] },
  'POST /v1/obligations/{id}/waiver': {
    request: async (f) => ({ path: `/v1/obligations/${(await f.freshAgreement()).obligations[0]!.id}/waiver`, body: { reason: 'exemption' } }),
    expect:                                                                  [403, 200, 404, 403, 403, 403, 403, 401, 401] },
  'POST /v1/obligations/{id}/evidence': {
    request: async (f) => ({ path: `/v1/obligations/${f.agreementA.obligations[0]!.id}/evidence`, body: { url: `${f.sys.simulator.baseUrl}/n/absente/` } }),
    expect:                                                                  [403, 403, 403, 403, 403, 200, 404, 401, 401] },
  'GET /v1/reports/compliance': {
    request: async (f, role) => ({ path: role.startsWith('auditor') ? `/v1/reports/compliance?funderId=${f.funderA.id}` : `/v1/reports/compliance?programme=${f.programmeA}` }),
    expect:                                                                  [403, 200, 404, 200, 404, 403, 403, 401, 401] },
  'GET /v1/me/obligations':             { request: async () => ({ path: '/v1/me/obligations' }),
    expect:                                                                  [403, 403, 403, 403, 403, 200, 200, 401, 401] },
  'GET /v1/me/calendar.ics':            { request: async () => ({ path: '/v1/me/calendar.ics' }),
    expect:                                                                  [403, 403, 403, 403, 403, 200, 200, 401, 401] },
  'PUT /v1/me/contacts/{email}/preferences': {
    request: async () => ({ path: '/v1/me/contacts/a@example.org/preferences', body: { locale: 'en' } }),
    expect:                                                                  [403, 403, 403, 403, 403, 200, 404, 401, 401] },
  'GET /v1/audit/events':               { request: async (f) => ({ path: `/v1/audit/events?funderId=${f.funderA.id}` }),
    expect:                                                                  [403, 200, 404, 200, 404, 403, 403, 401, 401] },
  'GET /v1/audit/verify':               { request: async (f) => ({ path: `/v1/audit/verify?funderId=${f.funderA.id}` }),
    expect:                                                                  [403, 200, 404, 200, 404, 403, 403, 401, 401] },
  'POST /v1/audit/verify': {
    request: async (f) => ({ path: '/v1/audit/verify', body: { funderId: f.funderA.id, heads: [{ seq: 1, hash: 'a'.repeat(64) }] } }),
    expect:                                                                  [403, 200, 404, 200, 404, 403, 403, 401, 401] },
  'GET /v1/grantees':                   { request: async () => ({ path: '/v1/grantees?neq=1234567890' }),
    expect:                                                                  [200, 403, 403, 403, 403, 403, 403, 401, 401] },
  'POST /v1/grantees/{id}/link': {
    request: async (f) => {
      const [a, b] = await f.neqPair();
      return { path: `/v1/grantees/${a}/link`, body: { granteeId: b } };
    },
    expect:                                                                  [200, 403, 403, 403, 403, 403, 403, 401, 401] },
  'POST /v1/people/requests': {
    request: async () => ({ path: '/v1/people/requests', body: { kind: 'export', email: 'personne@example.org' } }),
    expect:                                                                  [202, 403, 403, 403, 403, 403, 403, 401, 401] },
  'GET /v1/people/requests/{id}': {
    request: async (f) => {
      const r = await json<{ id: string }>(
        await f.sys.call('POST', '/v1/people/requests', ADMIN, { kind: 'export', email: 'personne@example.org' }),
        202,
      );
      return { path: `/v1/people/requests/${r.id}` };
    },
    expect:                                                                  [200, 403, 403, 403, 403, 403, 403, 401, 401] },
};

const PEOPLE = {
  A: { name: 'Organisme Alpha', contacts: [{ name: 'Alice Tremblay', email: 'a@example.org' }] },
  B: { name: 'Organisme Bêta', contacts: [{ name: 'Bruno Gagnon', email: 'b@example.org' }] },
};

function agreementBody(programmeCode: string, ref: string, grantee = PEOPLE.A) {
  return {
    externalRef: ref,
    programmeCode,
    title: `Projet ${ref}`,
    startDate: '2027-01-01',
    endDate: '2027-12-31',
    grantee,
  };
}

function csvOf(programmeCode: string, ref: string): string {
  const header =
    'external_ref,programme_code,title,amount_cents,currency,start_date,end_date,signed_at,grantee_name,grantee_neq,contact_name,contact_email,contact_locale,requirement_kind,requirement_count,due_anchor,due_offset,due_date';
  const row = `${ref},${programmeCode},Projet ${ref},,,2027-01-01,2027-12-31,,Organisme Alpha,,Alice Tremblay,a@example.org,fr,,,,,`;
  return `${header}\n${row}\n`;
}

/** Every operation of the contract, as `METHOD /path`. */
function contractOperations(): string[] {
  const doc = parse(fs.readFileSync(path.join(__dirname, '../../contracts/openapi.yaml'), 'utf8')) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
  return Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.keys(item)
      .filter((m) => methods.includes(m))
      .map((m) => `${m.toUpperCase()} ${p}`),
  );
}

let f: Fixture;
beforeAll(async () => {
  const sys = await startSystem();
  let n = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++n}`;
  const key = async (body: Record<string, unknown>) =>
    json<{ id: string; token: string }>(await sys.call('POST', '/v1/api-keys', ADMIN, { label: 'k', ...body }), 201);
  const funderA = await json<{ id: string; name: string }>(
    await sys.call('POST', '/v1/funders', ADMIN, { name: 'Fondation Alpha', kind: 'foundation' }),
    201,
  );
  const funderB = await json<{ id: string }>(
    await sys.call('POST', '/v1/funders', ADMIN, { name: 'Fondation Bêta', kind: 'foundation' }),
    201,
  );
  const fA = (await key({ role: 'funder', funderId: funderA.id })).token;
  const fB = (await key({ role: 'funder', funderId: funderB.id })).token;
  const programme = async (token: string, code: string) =>
    eventually(
      async () => [201, 409].includes((await sys.call('POST', '/v1/programmes', token, { code, name: code })).status),
      `programme ${code}`,
    );
  await programme(fA, 'PROG-ALPHA');
  await programme(fB, 'PROG-BETA');
  const register = async (token: string, code: string, ref: string, grantee = PEOPLE.A): Promise<Registered> => {
    const a = await json<Registered>(
      await sys.call('POST', '/v1/agreements', token, agreementBody(code, ref, grantee)),
      201,
    );
    // The obligations service learns of it by event: wait until it answers, so a row tests access, not lag.
    await eventually(
      async () => (await sys.call('GET', `/v1/obligations/${a.obligations[0]!.id}`, token)).status === 200,
      `obligations of ${ref} tracked`,
    );
    return a;
  };
  const agreementA = await register(fA, 'PROG-ALPHA', 'ALPHA-0001');
  const agreementB = await register(fB, 'PROG-BETA', 'BETA-0001', PEOPLE.B);
  const revoked = await key({ role: 'funder', funderId: funderA.id });
  expect((await sys.call('DELETE', `/v1/api-keys/${revoked.id}`, ADMIN)).status).toBe(204);
  await eventually(
    async () => (await sys.call('GET', `/v1/audit/verify?funderId=${funderA.id}`, fA)).status === 200,
    "A's audit chain",
  );
  f = {
    sys,
    tokens: {
      admin: ADMIN,
      funderA: fA,
      funderB: fB,
      auditorA: (await key({ role: 'auditor', funderIds: [funderA.id] })).token,
      auditorB: (await key({ role: 'auditor', funderIds: [funderB.id] })).token,
      granteeA: (await key({ role: 'grantee', granteeId: agreementA.grantee.id })).token,
      granteeB: (await key({ role: 'grantee', granteeId: agreementB.grantee.id })).token,
      anonymous: null,
      revoked: revoked.token,
    },
    funderA,
    funderB,
    programmeA: 'PROG-ALPHA',
    agreementA,
    secretsOfA: [
      agreementA.id,
      agreementA.referenceCode,
      agreementA.grantee.id,
      ...agreementA.obligations.map((o) => o.id),
      'ALPHA-0001',
      'PROG-ALPHA',
      'Fondation Alpha',
      'Organisme Alpha',
      'Alice Tremblay',
      'a@example.org',
    ],
    freshAgreement: () => register(fA, 'PROG-ALPHA', unique('ALPHA')),
    freshKeyId: async () => (await key({ role: 'funder', funderId: funderA.id })).id,
    freshMemberId: async () =>
      (
        await json<{ id: string }>(
          await sys.call('POST', '/v1/members', ADMIN, {
            email: `${unique('r')}@alpha.example`,
            role: 'funder_officer',
            funderIds: [funderA.id],
          }),
          201,
        )
      ).id,
    neqPair: async () => {
      const neq = String(1_000_000_000 + ((Date.now() + ++n * 7919) % 8_999_999_999)).slice(0, 10);
      const one = async (token: string, code: string, grantee: (typeof PEOPLE)['A']) =>
        (
          await json<Registered>(
            await sys.call(
              'POST',
              '/v1/agreements',
              token,
              agreementBody(code, unique('N'), { ...grantee, neq } as never),
            ),
            201,
          )
        ).grantee.id;
      return [await one(fA, 'PROG-ALPHA', PEOPLE.A), await one(fB, 'PROG-BETA', PEOPLE.B)];
    },
    unique,
  };
}, 180_000);
afterAll(async () => {
  await f?.sys.stop();
});

it('has a row for every operation of the contract, and no row for an operation it does not have', () => {
  const operations = contractOperations();
  expect(operations.length).toBeGreaterThan(20);
  expect(operations.filter((op) => !(op in MATRIX))).toEqual([]);
  expect(Object.keys(MATRIX).filter((op) => !operations.includes(op))).toEqual([]);
});

it('declares in the contract every status its rows expect (the reference shows what a caller gets)', () => {
  const doc = parse(fs.readFileSync(path.join(__dirname, '../../contracts/openapi.yaml'), 'utf8')) as {
    paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  };
  const undeclared = Object.entries(MATRIX).flatMap(([op, row]) => {
    const [method, p] = op.split(' ') as [string, string];
    const declared = Object.keys(doc.paths[p]?.[method.toLowerCase()]?.responses ?? {});
    return [...new Set(row.expect)].filter((s) => !declared.includes(String(s))).map((s) => `${op} → ${s}`);
  });
  expect(undeclared).toEqual([]);
});

/** `/v1/x/{id}` filled by the row; the method is the row's. */
async function call(op: string, row: Row, role: Role): Promise<{ status: number; body: string; sent: string }> {
  const method = op.split(' ')[0]!;
  const req = await row.request(f, role);
  const token = f.tokens[role];
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (req.body !== undefined) {
    body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    headers['content-type'] = req.contentType ?? 'application/json';
  }
  const res = await fetch(f.sys.base + req.path, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: res.status, body: await res.text(), sent: req.path + (body ?? '') };
}

it.each(Object.keys(MATRIX))(
  '%s answers every role as its row says',
  async (op) => {
    const row = MATRIX[op]!;
    const got: Array<[Role, number]> = [];
    const leaks: string[] = [];
    for (const role of ROLES) {
      const { status, body, sent } = await call(op, row, role);
      got.push([role, status]);
      if (OTHER_TENANT.includes(role)) {
        // What the caller sent itself (an id in the path, a code in its body) it knew already.
        for (const secret of f.secretsOfA) {
          if (body.includes(secret) && !sent.includes(secret)) leaks.push(`${role} saw ${secret}`);
        }
      }
    }
    expect(got).toEqual(ROLES.map((role, i) => [role, row.expect[i]]));
    expect(leaks).toEqual([]);
  },
  120_000,
);
