/**
 * An API and workers of a test's own, on a queue prefix nobody else uses, so that the
 * test can kill or stop workers without disturbing the shared ones.
 */
import { adminAuth, databaseUrl, redisUrl } from './env.ts';
import { testEnv } from './test-env.ts';
import { freePort } from '../../scripts/local-services.ts';
import { startProcess, stopProcess, whenReady, type Started } from './processes.ts';

export interface IsolatedStack {
  base: string;
  spawn(entry: 'src/api/main.ts' | 'src/workers/main.ts'): Promise<Started>;
  /** GET a job status path (e.g. a Location header) as admin. */
  status(location: string): Promise<any>;
  /** Every process it started so far (the API first). */
  started: Started[];
  stop(): Promise<void>;
}

/** `extraEnv` overrides the shared test environment (e.g. DNS_SERVERS for a test's own DNS server). */
export async function isolatedStack(name: string, extraEnv: Record<string, string> = {}): Promise<IsolatedStack> {
  const port = await freePort();
  // A long shutdown timeout: a SIGTERMed worker must be seen finishing its job.
  const env = { ...process.env, ...testEnv({ databaseUrl, redisUrl, port }), QUEUE_PREFIX: `${name}${port}`, SHUTDOWN_TIMEOUT_MS: '120000', ...extraEnv };
  const base = `http://127.0.0.1:${port}`;
  const started: Started[] = [];
  const spawn = async (entry: 'src/api/main.ts' | 'src/workers/main.ts') => {
    const p = startProcess(entry, env);
    started.push(p);
    // Generous: several processes start at once on a loaded 2-core machine.
    await whenReady(p, 120_000);
    return p;
  };
  await spawn('src/api/main.ts');
  return {
    base,
    spawn,
    started,
    status: async (location) => (await fetch(`${base}${location}`, { headers: { Authorization: adminAuth } })).json(),
    stop: async () => {
      await Promise.all(started.map((p) => stopProcess(p, 'SIGKILL')));
    },
  };
}
