/** Starts extra API, worker or functions processes for tests that need their own (kill, SIGTERM, bad config). */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startProcess(entry: 'src/api/main.ts' | 'src/workers/main.ts' | 'src/functions/main.ts', env: Record<string, string | undefined>): Started {
  const child = fork(path.join(root, entry), [], { env: env as NodeJS.ProcessEnv, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return { child, output: () => out, exited };
}

export function whenReady(p: Started, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`process not ready in ${timeoutMs} ms:\n${p.output()}`)), timeoutMs);
    p.child.on('message', (m: { ready?: boolean }) => {
      if (m?.ready) {
        clearTimeout(t);
        resolve();
      }
    });
    void p.exited.then(({ code }) => reject(new Error(`process exited (code ${code}) before ready:\n${p.output()}`)));
  });
}

export async function stopProcess(p: Started, signal: NodeJS.Signals = 'SIGTERM') {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  await p.exited;
}

export async function poll<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
