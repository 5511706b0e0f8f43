import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ComplianceReport } from '../domain/compliance';

/**
 * Builds report PDFs in worker threads, at most `concurrency` at a time (the others wait their turn in
 * order). pdfkit lays out and compresses synchronously: on the service's own thread a large report
 * would hold health checks, other routes and the bus consumers for as long as it takes. Each build gets
 * a fresh thread, ended once its PDF is back, so memory of one big report is returned to the system.
 */
const WORKER_FILE = path.join(__dirname, 'pdf-worker.js');

export class PdfBuilder {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly workers = new Set<Worker>();

  constructor(private readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('PdfBuilder: concurrency must be ≥ 1');
  }

  /** builds in progress (for tests and the bench) */
  get active(): number {
    return this.running;
  }

  /** builds waiting for a free slot */
  get queued(): number {
    return this.waiting.length;
  }

  async build(report: ComplianceReport, chartSvg: string): Promise<Buffer> {
    if (this.running >= this.concurrency) await new Promise<void>((go) => this.waiting.push(go));
    else this.running++;
    try {
      return await this.inThread(report, chartSvg);
    } finally {
      // hand the slot straight to the next build in line (running stays the same), or free it
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private inThread(report: ComplianceReport, chartSvg: string): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const w = new Worker(WORKER_FILE);
      this.workers.add(w);
      let settled = false;
      const settle = (f: () => void): void => {
        if (settled) return;
        settled = true;
        this.workers.delete(w);
        f();
        void w.terminate();
      };
      w.once('message', (msg: { pdf?: ArrayBuffer; error?: string }) =>
        settle(() =>
          msg.pdf ? resolve(Buffer.from(msg.pdf)) : reject(new Error(`PDF build failed: ${msg.error ?? 'unknown'}`)),
        ),
      );
      w.once('error', (err) => settle(() => reject(err)));
      w.once('exit', (code) => settle(() => reject(new Error(`PDF worker exited with code ${code}`))));
      w.postMessage({ report, chartSvg });
    });
  }

  /** Ends builds in progress (service shutdown): their requests fail, nothing is left running. */
  async stop(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }
}
