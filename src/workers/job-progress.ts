/**
 * Progress of a running job, sent to BullMQ (GET /api/jobs/:id shows it) from a timer rather
 * than from the work loop: at most every 250 ms while it changes, and at least once a second
 * while the job runs, whatever the loop is doing (a long statement, a slow COPY).
 */
import type { JobProgress } from '../shared/jobs/payloads.ts';

/** done out of total as a whole percent, 0–99 while running (estimates can be low); 100 is for finish(). */
export function percentOf(done: number, total: number | undefined): number {
  if (!total || total <= 0 || !Number.isFinite(done)) return 0;
  return Math.max(0, Math.min(99, Math.floor((done * 100) / total)));
}

export class ProgressTicker {
  private readonly timer: NodeJS.Timeout;
  private last = '';
  private lastSent = 0;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly send: (p: JobProgress) => Promise<void>,
    private readonly read: () => JobProgress,
    everyMs = 250,
  ) {
    this.timer = setInterval(() => this.tick(), everyMs);
    this.timer.unref();
    this.tick();
  }

  private tick() {
    if (this.stopped || this.inFlight) return;
    const p = this.read();
    const s = JSON.stringify(p);
    if (s === this.last && Date.now() - this.lastSent < 1000) return;
    this.last = s;
    this.lastSent = Date.now();
    this.inFlight = this.send(p)
      .catch(() => {}) // progress is advisory: a Redis hiccup must not fail the job
      .finally(() => (this.inFlight = undefined));
  }

  /** The work is done: the last report, at 100 %. */
  async finish(): Promise<void> {
    this.stop();
    await this.inFlight;
    await this.send({ ...this.read(), percent: 100 }).catch(() => {});
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
