/**
 * A large PDF is built in a worker thread: while it is being built the service keeps answering
 * (health, readiness, a JSON report), and builds beyond the bound wait their turn.
 */
import { renderStatusChart, stopChartRenderer } from '../src/adapters/render-chart';
import { PdfBuilder } from '../src/adapters/pdf-builder';
import { pdfInfo } from './pdf-tools';
import { fixtureReport } from './report-fixture';
import { startService, stopService, type Started } from './helpers';

jest.setTimeout(300_000);

let s: Started;
beforeAll(async () => {
  s = await startService();
});
afterAll(async () => {
  await stopService(s);
  await stopChartRenderer();
});

it('answers /healthz and /readyz while a large PDF is being built, before that PDF is done', async () => {
  const { report } = fixtureReport({ obligations: 3000 });
  const svg = await renderStatusChart(report);
  const order: string[] = [];
  const pdf = s.svc.pdf.build(report, svg).then((b) => {
    order.push('pdf');
    return b;
  });
  // the build has started in its thread (its slot is taken) before health is asked
  expect(s.svc.pdf.active).toBe(1);
  const health = fetch(`${s.base}/healthz`).then((r) => {
    order.push('healthz');
    return r.status;
  });
  const ready = fetch(`${s.base}/readyz`).then((r) => {
    order.push('readyz');
    return r.status;
  });
  expect(await health).toBe(200);
  expect(await ready).toBe(200);
  const built = await pdf;
  // both answers came while the PDF was still being built
  expect(order).toHaveLength(3);
  expect(order[2]).toBe('pdf');
  expect(pdfInfo(built).Tagged).toBe('yes');
  expect(s.svc.pdf.active).toBe(0);
});

it('builds at most `concurrency` PDFs at a time; the next ones wait in order', async () => {
  const builder = new PdfBuilder(1);
  try {
    const { report } = fixtureReport({ obligations: 40 });
    const svg = await renderStatusChart(report);
    const done: number[] = [];
    const builds = [0, 1, 2].map((i) => builder.build(report, svg).then(() => done.push(i)));
    expect(builder.active).toBe(1);
    expect(builder.queued).toBe(2);
    await Promise.all(builds);
    expect(done).toEqual([0, 1, 2]);
    expect(builder.active).toBe(0);
    expect(builder.queued).toBe(0);
  } finally {
    await builder.stop();
  }
});

it('fails a build whose report cannot be laid out, and frees its slot', async () => {
  const builder = new PdfBuilder(1);
  try {
    await expect(builder.build({} as never, '')).rejects.toThrow(/PDF build failed/);
    expect(builder.active).toBe(0);
  } finally {
    await builder.stop();
  }
});
