export { startSimulator, type Simulator, type SimulatorOptions, type Faults } from './server';
export { Corpus, seededReferenceCode, type Note, type NoteInput } from './corpus';
