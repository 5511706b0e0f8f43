export { startObligations, type RunningService, type ObligationsDeps } from './main';
export { loadObligationsConfig, type ObligationsConfig } from './config';
