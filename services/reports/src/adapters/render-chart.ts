import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ComplianceReport } from '../domain/compliance';
import { messages } from '../domain/i18n';
import { chartLocale, statusChartSpec } from '../domain/status-chart';

/**
 * Vega-Lite → SVG on the server, in one worker thread (vega is ESM-only with a top-level await, which
 * this CommonJS service cannot load; see chart-worker.mjs). The thread is started on first use and
 * kept: importing vega costs about a second, a chart after that tens of milliseconds. It does not keep
 * the process alive while idle, and a crashed thread fails the pending charts and is started anew.
 */
const WORKER_FILE = path.join(__dirname, 'chart-worker.mjs');

type Pending = { resolve: (svg: string) => void; reject: (err: Error) => void };
let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
}

function thread(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_FILE);
  w.on('message', (msg: { id: number; svg?: string; error?: string }) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) w.unref();
    if (msg.svg !== undefined) p.resolve(msg.svg);
    else p.reject(new Error(`chart rendering failed: ${msg.error ?? 'unknown error'}`));
  });
  w.on('error', (err) => {
    if (worker === w) worker = null;
    failAll(err);
  });
  w.on('exit', (code) => {
    if (worker === w) worker = null;
    failAll(new Error(`chart worker exited with code ${code}`));
  });
  w.unref();
  worker = w;
  return w;
}

/** Compiles a Vega-Lite spec to SVG (number formats from `locale`, a vega locale object). */
export function vegaLiteToSvg(spec: Record<string, unknown>, locale?: Record<string, unknown>): Promise<string> {
  const w = thread();
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref(); // a chart being drawn keeps the process up until it is answered
    w.postMessage({ id, spec, locale });
  });
}

/**
 * The report's chart as standalone SVG, the same in the HTML page and in the PDF. The root gets
 * role="img" with the chart's title and description in the report's language (the table after the
 * chart is its text alternative).
 */
export async function renderStatusChart(r: ComplianceReport): Promise<string> {
  const m = messages[r.locale];
  const svg = await vegaLiteToSvg(statusChartSpec(r), chartLocale(r));
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return svg.replace(
    /^<svg([^>]*)>/,
    `<svg$1 role="img" aria-labelledby="chart-title chart-desc"><title id="chart-title">${esc(m.chartHeading)}</title><desc id="chart-desc">${esc(m.chartDesc)}</desc>`,
  );
}

/** Ends the chart thread (service shutdown); the next chart starts a new one. */
export async function stopChartRenderer(): Promise<void> {
  const w = worker;
  worker = null;
  if (w) await w.terminate();
}
