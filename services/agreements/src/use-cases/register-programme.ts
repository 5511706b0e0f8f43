import crypto from 'node:crypto';
import { enqueue } from '@pc/bus';
import type { components } from '@pc/contracts';
import { AppError, type Locale } from '@pc/service-kit';
import { DEFAULT_STAGES } from '@pc/lifecycle';
import { readRequirements, DEFAULT_REQUIREMENTS, type Issue } from '../domain/agreement';
import { feedUrlProblem } from '../domain/feed-url';
import { details, issuesToError } from '../domain/messages';
import { insertProgramme } from '../adapters/programme-store';
import type { Transact } from '../adapters/prisma';
import { programmeView } from '../adapters/views';
import type { Actor } from './amend-agreement';

export type ProgrammeInput = components['schemas']['ProgrammeInput'];

/** POST /v1/programmes: the programme and programme.registered.v1 in one transaction; answers the programme as stored. */
export async function registerProgramme(
  transact: Transact,
  funderId: string,
  input: ProgrammeInput,
  actor: Actor,
  locale: Locale,
  praxisBase: URL,
): Promise<Record<string, unknown>> {
  const issues: Issue[] = [];
  (input.praxisFeeds ?? []).forEach((url, i) => {
    const reason = feedUrlProblem(url, praxisBase);
    if (reason)
      issues.push({ path: `praxisFeeds[${i}]`, code: 'feed_url', params: { reason, expected: praxisBase.origin } });
  });
  const defaults =
    input.defaultRequirements === undefined
      ? DEFAULT_REQUIREMENTS
      : // Defaults apply to agreements that may have no signature date: 'signature' anchors are refused.
        readRequirements(input.defaultRequirements, 'defaultRequirements', null, issues);
  if (issues.length > 0) throw issuesToError(issues, locale, details.t(locale, 'invalid_programme'));
  const stages = (input.reminderPolicy?.stages ?? DEFAULT_STAGES)
    .map((s) => ({ offsetDays: s.offsetDays, escalate: s.escalate ?? false }))
    .sort((x, y) => x.offsetDays - y.offsetDays);
  const id = crypto.randomUUID();
  // What is stored is what programme.registered.v1 announces (plus the default requirements).
  const programme = {
    funderId,
    code: input.code,
    name: input.name,
    sector: input.sector ?? null,
    praxisFeeds: input.praxisFeeds ?? [],
    reminderStages: stages,
  };
  const stored = await transact(async (tx) => {
    const row = await insertProgramme(tx, { id, ...programme, defaultRequirements: defaults as object[] });
    if (!row)
      throw new AppError('conflict', details.t(locale, 'programme_exists'), [
        { path: 'code', message: details.t(locale, 'programme_exists') },
      ]);
    await enqueue(tx, [
      {
        type: 'programme.registered.v1',
        subject: id,
        data: { programmeId: id, ...programme, actor: { kind: 'api_key', id: actor.keyId } },
      },
    ]);
    return row;
  });
  return programmeView(stored);
}
