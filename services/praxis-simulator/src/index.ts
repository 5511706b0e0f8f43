export { startSimulator, DEFAULT_ROBOTS, type Simulator, type SimulatorOptions, type Faults } from './server';
export { Traffic, type Arrival, type RequestKind, type TrafficSummary } from './traffic';
export type { FeedContent } from './render';
export { Corpus, seededReferenceCode, type Note, type NoteInput } from './corpus';
