import type { Handlers } from '@pc/bus';
import type { Tx } from '../adapters/prisma';
import { recordAgreementContacts } from '../use-cases/record-agreement-contacts';
import { recordFunder } from '../use-cases/record-funder';
import { recordProgramme } from '../use-cases/record-programme';

/*
 * Queue notifier.directory: the directory the emails need (funder names and report recipients,
 * programme names, each agreement's contacts), built from the other services' events.
 */
export const directoryHandlers: Handlers<Tx> = {
  'funder.registered.v1': (d, tx) => recordFunder(tx, d),
  'programme.registered.v1': (d, tx) => recordProgramme(tx, d),
  'agreement.registered.v1': (d, tx) => recordAgreementContacts(tx, d),
  'agreement.amended.v1': (d, tx) => recordAgreementContacts(tx, d),
};
export const DIRECTORY_PREFETCH = 4;
