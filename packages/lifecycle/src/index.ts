export { addDays } from './days';
export { DEFAULT_STAGES, earliestStageOffset, normaliseStages, type ReminderStage } from './stages';
export { classify, type TimeClass } from './classify';
