// Builds one report PDF off the service's event loop (adapters/pdf-builder.ts starts it). The layout
// code is TypeScript, and a worker thread does not inherit Jest's or tsx's transform, so tsx's CJS
// hook is registered here first. One message in ({ report, chartSvg }), one out ({ pdf } as a
// transferred ArrayBuffer, or { error }); the thread then exits, so a build never leaks into the next.
'use strict';
const { parentPort } = require('node:worker_threads');
require('tsx/cjs/api').register();
const { renderPdf } = require('./render-pdf.ts');

parentPort.once('message', async ({ report, chartSvg }) => {
  try {
    const pdf = await renderPdf(report, chartSvg);
    const ab = pdf.buffer.slice(pdf.byteOffset, pdf.byteOffset + pdf.byteLength);
    parentPort.postMessage({ pdf: ab }, [ab]);
  } catch (err) {
    parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
