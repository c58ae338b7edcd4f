/**
 * PostgREST's `Server-Timing` header (server-timing-enabled): the milliseconds spent on the
 * token, parsing the request, planning, the transaction and rendering the response.
 */
import { performance } from 'node:perf_hooks';

export class ServerTiming {
  private readonly start = performance.now();
  private marks: Partial<Record<'auth' | 'parsed' | 'txStart' | 'txEnd', number>> = {};

  mark(name: 'auth' | 'parsed' | 'txStart' | 'txEnd') {
    this.marks[name] = performance.now();
  }

  /** The header value, e.g. `jwt;dur=0.4, parse;dur=0.5, plan;dur=0.1, transaction;dur=2.2, response;dur=0.3`. */
  header(): string {
    const now = performance.now();
    const auth = this.marks.auth ?? this.start;
    const parsed = this.marks.parsed ?? auth;
    const txStart = this.marks.txStart ?? parsed;
    const txEnd = this.marks.txEnd ?? txStart;
    const metrics: [string, number][] = [
      ['jwt', auth - this.start],
      ['parse', parsed - auth],
      ['plan', txStart - parsed],
      ['transaction', txEnd - txStart],
      ['response', now - txEnd],
    ];
    return metrics.map(([k, v]) => `${k};dur=${Math.max(0, v).toFixed(1)}`).join(', ');
  }
}
