// Compiles Vega-Lite specs to SVG for the report's chart. It runs in a worker thread because vega
// and vega-lite are ESM-only and vega has a top-level await: the service (CommonJS, and Jest's CJS
// runtime in tests) cannot require them. One message in ({ id, spec, locale }), one out ({ id, svg }
// or { id, error }); the thread stays up between charts so the import is paid once.
import { parentPort } from 'node:worker_threads';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';

parentPort.on('message', async ({ id, spec, locale }) => {
  let view;
  try {
    view = new View(parse(compile(spec).spec), { renderer: 'none', locale });
    const svg = await view.toSVG();
    parentPort.postMessage({ id, svg });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  } finally {
    view?.finalize();
  }
});
