import type { Handlers } from '@pc/bus';
import type { Tx } from '../adapters/prisma';
import { recordAgreement } from '../use-cases/record-agreement';
import { recordProgramme } from '../use-cases/record-programme';
import { recordTermination } from '../use-cases/record-termination';

/**
 * Queue praxis-connector.agreements: the connector's read model of programmes (feeds) and agreements
 * (references, start dates), in step with the agreements service and in revision order.
 */
export const readModelHandlers: Handlers<Tx> = {
  'programme.registered.v1': recordProgramme,
  'agreement.registered.v1': recordAgreement,
  'agreement.amended.v1': recordAgreement,
  'agreement.terminated.v1': recordTermination,
};
export const READ_MODEL_PREFETCH = 200;
