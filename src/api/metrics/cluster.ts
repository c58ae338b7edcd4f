/**
 * /metrics across the web processes of a cluster (WEB_CONCURRENCY > 1). Whichever web process
 * is scraped asks the primary, which asks every web process for its registry's values and hands
 * them all back; the scraped process then aggregates them with the workers' (prom-client's
 * AggregatorRegistry.aggregate). Only node:cluster here: the primary stays small.
 */
import cluster, { type Worker } from 'node:cluster';

type Values = unknown[];
type Message =
  | { basaltMetrics: 'gather'; id: number }
  | { basaltMetrics: 'values'; id: number }
  | { basaltMetrics: 'values-reply'; id: number; values: Values }
  | { basaltMetrics: 'gathered'; id: number; values: Values[] };

const isMessage = (m: unknown): m is Message => typeof (m as Message)?.basaltMetrics === 'string';
const ANSWER_WITHIN_MS = 3_000;

/** In the primary: answers web processes' requests for everyone's values. */
export function relayClusterMetrics(): void {
  let next = 0;
  const waiting = new Map<number, (values: Values) => void>();
  cluster.on('message', (from: Worker, m: unknown) => {
    if (!isMessage(m)) return;
    if (m.basaltMetrics === 'values-reply') return waiting.get(m.id)?.(m.values);
    if (m.basaltMetrics !== 'gather') return;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
    void Promise.all(
      workers.map(
        (w) =>
          new Promise<Values | undefined>((resolve) => {
            const id = ++next;
            // A web process that is starting, stopping or stuck is left out of this scrape.
            const timer = setTimeout(() => done(undefined), ANSWER_WITHIN_MS);
            const done = (v: Values | undefined) => {
              clearTimeout(timer);
              waiting.delete(id);
              resolve(v);
            };
            waiting.set(id, done);
            w.send({ basaltMetrics: 'values', id } satisfies Message, (err: Error | null) => err && done(undefined));
          }),
      ),
    ).then((all) => {
      if (from.isConnected()) from.send({ basaltMetrics: 'gathered', id: m.id, values: all.filter((v): v is Values => !!v) } satisfies Message);
    });
  });
}

/** In a web process: answers the primary with `own()`, and returns how to gather every web process's values. */
export function clusterMetricsClient<V>(own: () => Promise<V>): () => Promise<V[]> {
  let next = 0;
  const waiting = new Map<number, (values: V[]) => void>();
  process.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    if (m.basaltMetrics === 'gathered') return waiting.get(m.id)?.(m.values as V[]);
    if (m.basaltMetrics === 'values')
      void own().then((values) => process.send?.({ basaltMetrics: 'values-reply', id: m.id, values: values as Values } satisfies Message));
  });
  return () =>
    new Promise<V[]>((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the cluster primary did not answer'));
      }, ANSWER_WITHIN_MS * 2);
      waiting.set(id, (values) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(values);
      });
      process.send!({ basaltMetrics: 'gather', id } satisfies Message);
    });
}
