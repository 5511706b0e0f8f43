import { loadConfig, serviceEnv } from '@pc/service-kit';

export const agreementsEnv = serviceEnv(8081);
export type AgreementsConfig = ReturnType<typeof loadAgreementsConfig>;
export const loadAgreementsConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(agreementsEnv, env);
