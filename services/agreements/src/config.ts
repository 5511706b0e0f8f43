import { loadConfig, praxisBaseUrlEnv, serviceEnv } from '@pc/service-kit';

export const agreementsEnv = {
  ...serviceEnv(8081),
  /** The Praxis origin: a programme's feed URLs must be on it (the connector fetches nothing else). */
  PRAXIS_BASE_URL: praxisBaseUrlEnv,
};
export type AgreementsConfig = ReturnType<typeof loadAgreementsConfig>;
export const loadAgreementsConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(agreementsEnv, env);
