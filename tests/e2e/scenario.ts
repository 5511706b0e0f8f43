import { eventually } from '@pc/testkit';
import { ADMIN, json, type System } from './system';

/**
 * The steps every end-to-end scenario opens with, through the public API as an operator and a
 * funder's system would take them: a funder, its keys, a programme (once the funder's event has
 * reached the agreements service, which a fresh system may not have yet).
 */

export async function registerFunder(sys: System, body: Record<string, unknown>): Promise<{ id: string }> {
  return json<{ id: string }>(await sys.call('POST', '/v1/funders', ADMIN, { kind: 'foundation', ...body }), 201);
}

/** A new API key's token (`label` defaults to "k"). */
export async function apiKey(sys: System, body: Record<string, unknown>): Promise<string> {
  return (await json<{ token: string }>(await sys.call('POST', '/v1/api-keys', ADMIN, { label: 'k', ...body }), 201))
    .token;
}

/** Creates the programme, retrying while the funder is not yet known downstream; a 409 (exists) is fine. */
export async function createProgramme(sys: System, token: string, body: { code: string } & Record<string, unknown>) {
  await eventually(
    async () =>
      [201, 409].includes((await sys.call('POST', '/v1/programmes', token, { name: body.code, ...body })).status),
    `programme ${body.code} created once the funder reached the agreements service`,
  );
}
