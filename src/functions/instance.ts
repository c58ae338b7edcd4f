/**
 * One running edge-function instance: a Deno process serving one version of one function
 * on a loopback port, under the sandbox's permissions and the memory limit. It says when it
 * is ready (or why it could not boot), hands its console output to the server log with the
 * request id, and reports why it ended (memory limit, stopped for the wall clock, crash).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Logger } from '../shared/log.ts';

export type EndReason = 'memory' | 'wall_clock' | 'boot' | 'crashed' | 'stopped';

export interface InstanceSpec {
  deno: string;
  bootstrap: string;
  /** The function's own directory: the only thing it may read. */
  dir: string;
  /** file: URL of the entrypoint. */
  entry: string;
  denoDir: string;
  env: Record<string, string>;
  memoryMb: number;
  /** host:port pairs the function may not reach (Redis, the functions process). */
  denyNet: string[];
  log: Logger;
}

const RS = '\x1e';
const STDERR_TAIL = 20;
const PAGE_BYTES = 4096;

export class Instance {
  readonly token = randomBytes(24).toString('hex');
  private readonly child: ChildProcess;
  port = 0;
  inflight = 0;
  lastUsed = Date.now();
  /** No new requests: a newer version replaced it, or it is being stopped. */
  retired = false;
  endReason?: EndReason;
  bootError?: string;
  readonly ready: Promise<void>;
  readonly ended: Promise<EndReason>;
  private readonly stderr: string[] = [];

  constructor(private readonly spec: InstanceSpec) {
    const names = Object.keys(spec.env);
    const args = [
      'run',
      '--no-prompt',
      '--no-config',
      '--no-lock',
      '--allow-net',
      ...(spec.denyNet.length ? [`--deny-net=${spec.denyNet.join(',')}`] : []),
      `--allow-read=${spec.dir}`,
      ...(names.length ? [`--allow-env=${names.join(',')}`] : []),
      '--allow-import',
      // request.signal aborts when the client goes away, not after every successful response.
      '--unstable-no-legacy-abort',
      `--v8-flags=--max-old-space-size=${spec.memoryMb}`,
      spec.bootstrap,
    ];
    // Nothing of the server's environment: the function's variables and Deno's own settings.
    const env = { ...spec.env, DENO_DIR: spec.denoDir, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
    this.child = spawn(spec.deno, args, { cwd: spec.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin!.on('error', () => {});
    // Settings on stdin, which then stays open: when this process dies, the instance sees its end and exits.
    this.child.stdin!.write(JSON.stringify({ token: this.token, entry: spec.entry, env: names }) + '\n');

    let announce!: (port: number) => void;
    let fail!: (e: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      announce = (port) => {
        this.port = port;
        resolve();
      };
      fail = reject;
    });
    this.ready.catch(() => {});

    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onStdout(line, announce));
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.stderr.push(line);
      if (this.stderr.length > STDERR_TAIL) this.stderr.shift();
      spec.log.warn({ stream: 'stderr' }, line);
    });

    this.ended = new Promise<EndReason>((resolve) => {
      this.child.once('error', (e) => {
        this.bootError = `cannot start Deno: ${e.message}`;
        this.endReason = 'boot';
        fail(new Error(this.bootError));
        resolve('boot');
      });
      this.child.once('exit', (code, signal) => {
        this.retired = true;
        if (!this.endReason) {
          const tail = this.stderr.join('\n');
          if (/out of memory|heap limit/i.test(tail)) this.endReason = 'memory';
          else if (this.bootError) this.endReason = 'boot';
          else this.endReason = 'crashed';
        }
        if (!this.port) fail(new Error(this.bootError ?? `the instance exited before it was ready (${signal ?? `code ${code}`})`));
        if (this.endReason !== 'stopped') spec.log.warn({ reason: this.endReason, code, signal }, 'function instance ended');
        resolve(this.endReason);
      });
    });
  }

  private onStdout(line: string, announce: (port: number) => void) {
    if (!line.startsWith(RS)) return void this.spec.log.info({ stream: 'stdout' }, line);
    let m: { ready?: number; boot_error?: string; log?: string; rid?: string | null; msg?: string };
    try {
      m = JSON.parse(line.slice(1));
    } catch {
      return void this.spec.log.info({ stream: 'stdout' }, line);
    }
    if (typeof m.ready === 'number') return announce(m.ready);
    if (typeof m.boot_error === 'string') {
      this.bootError = m.boot_error;
      return void this.spec.log.warn({ bootError: m.boot_error }, 'function failed to boot');
    }
    const level = m.log === 'error' ? 'error' : m.log === 'warn' ? 'warn' : m.log === 'debug' ? 'debug' : 'info';
    this.spec.log[level]({ reqId: m.rid ?? undefined, console: true }, String(m.msg ?? ''));
  }

  /** Resident memory in bytes (Linux; undefined elsewhere or when gone). */
  rss(): number | undefined {
    try {
      const pages = Number(readFileSync(`/proc/${this.child.pid}/statm`, 'utf8').split(' ')[1]);
      return Number.isFinite(pages) ? pages * PAGE_BYTES : undefined;
    } catch {
      return undefined;
    }
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Ends it now (a limit was exceeded): requests in flight on it fail. */
  kill(reason: EndReason): void {
    this.retired = true;
    if (!this.alive) return;
    this.endReason ??= reason;
    this.child.kill('SIGKILL');
  }

  /** Ends it gracefully; killed if it does not leave within a second. */
  async stop(): Promise<void> {
    this.retired = true;
    if (!this.alive) return;
    this.endReason ??= 'stopped';
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 1000);
    await this.ended;
    clearTimeout(t);
  }
}
