// Runs the Praxis simulator in its own process (its own core) for the benchmark; prints its port.
import { startSimulator } from '@pc/praxis-simulator';

const [notes, carnets, every, seed] = process.argv.slice(2).map(Number);
startSimulator({ notes, carnets, referenceEvery: every, seed }).then(
  (sim) => {
    process.send?.({ port: sim.port, baseUrl: sim.baseUrl });
    process.on('disconnect', () => {
      void sim.stop().then(() => process.exit(0));
    });
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
