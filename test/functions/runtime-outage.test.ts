/**
 * The functions process is a dependency of the API like any other: while it is down, a
 * project's functions answer 503 with Retry-After (never a 500 or a hang); started again,
 * they run. Its Deno instances do not outlive it, even when it is killed with SIGKILL. Its log
 * has a line per invocation and the function's console output, with the request id.
 * A private API and functions process, so the suite's own keep running.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, redisUrl, testEnv } from '../support/env.ts';
import { createTokenAndProject, type ManagementCaller } from '../support/management.ts';
import { poll, startProcess, stopProcess, whenReady, type Started } from '../support/processes.ts';
import { freePort } from '../../scripts/local-services.ts';

/** Pids of Deno instances of the functions process on `port` (its port is in their --deny-net). */
function instancesOf(port: number): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes('bootstrap.js') && cmd.includes(`127.0.0.1:${port},`)) pids.push(Number(d));
    } catch {
      // gone
    }
  }
  return pids;
}

describe('the functions process down and back', () => {
  let api: Started;
  let functions: Started | undefined;
  let env: Record<string, string | undefined>;
  let fnPort: number;
  let c: ManagementCaller;
  let base: string;

  const startFunctions = async () => {
    functions = startProcess('src/functions/main.ts', { ...env, LOG_LEVEL: 'info' });
    await whenReady(functions);
  };
  const hello = () => fetch(`${base}/project/${c.ref}/functions/v1/hello`);

  beforeAll(async () => {
    const port = await freePort();
    fnPort = await freePort();
    env = { ...process.env, ...testEnv({ databaseUrl, redisUrl, port, functionsPort: fnPort }) };
    api = startProcess('src/api/main.ts', env);
    await whenReady(api);
    base = `http://127.0.0.1:${port}`;
    c = await createTokenAndProject(base);
    await c.active();
    const r = await c.v1('POST', `/projects/${c.ref}/functions?slug=hello&verify_jwt=false`, { raw: `Deno.serve(() => { console.log('saying hello'); return new Response('hello'); })`, headers: { 'Content-Type': 'text/plain' } });
    expect(r.status).toBe(201);
    await startFunctions();
  }, 120_000);

  afterAll(async () => {
    if (functions) await stopProcess(functions);
    if (api) await stopProcess(api);
  });

  it('answers 503 with Retry-After while it is down, runs functions again once it is back', async () => {
    const up = await hello();
    expect(up.status).toBe(200);
    expect(await up.text()).toBe('hello');
    expect(instancesOf(fnPort)).toHaveLength(1);

    await stopProcess(functions!, 'SIGKILL');
    const down = await hello();
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('2');
    expect(await down.json()).toEqual({ code: 'FUNCTIONS_UNAVAILABLE', message: 'The functions runtime is not reachable; try again shortly' });
    // Its instance saw its stdin end and left.
    await poll(async () => (instancesOf(fnPort).length === 0 ? true : undefined), 'orphaned Deno instances to exit', 10_000);

    await startFunctions();
    const back = await hello();
    expect(back.status).toBe(200);
    expect(await back.text()).toBe('hello');
  });

  it('logs each invocation and the function’s console output with the request id', async () => {
    const r = await fetch(`${base}/project/${c.ref}/functions/v1/hello`, { headers: { 'X-Request-Id': 'fn-log-test-1' } });
    expect(r.status).toBe(200);
    await r.text();
    const lines = () => functions!.output().split('\n').filter((l) => l.includes('fn-log-test-1')).map((l) => JSON.parse(l));
    await poll(async () => (lines().length >= 2 ? true : undefined), 'two log lines with the request id', 5_000);
    expect(lines()).toEqual([
      expect.objectContaining({ level: 30, project: c.ref, function: 'hello', version: 1, reqId: 'fn-log-test-1', console: true, msg: 'saying hello' }),
      expect.objectContaining({ level: 30, project: c.ref, function: 'hello', version: 1, reqId: 'fn-log-test-1', status: 200, ms: expect.any(Number), msg: 'function invoked' }),
    ]);
  });

  it('stops its instances when it is stopped', async () => {
    expect(instancesOf(fnPort)).toHaveLength(1);
    await stopProcess(functions!);
    functions = undefined;
    expect(instancesOf(fnPort)).toEqual([]);
  });
});
