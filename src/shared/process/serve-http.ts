import type { Server } from 'node:http';
import type { Logger } from '../log.ts';

export interface ServeOptions {
  port: number;
  host: string;
  log: Logger;
  /** Fields for the "listening" log line besides the URL. */
  describe?: Record<string, unknown>;
  /** What the process is, in its log lines ("api", "functions runtime"). */
  name: string;
  shutdownTimeoutMs: number;
  /** Releases the process's resources once no request is in flight. */
  close: () => Promise<void>;
  /** Started by a supervisor (npm start, the tests): stop when it goes. */
  leaveWithParent: boolean;
}

/**
 * Listens, tells a supervisor it is ready, and on SIGTERM/SIGINT stops accepting, lets the
 * requests in flight finish (cut after shutdownTimeoutMs), releases resources and exits 0.
 * A port it cannot listen on ends the process with a fatal log line.
 */
export function serveHttp(server: Server, o: ServeOptions): void {
  server.listen(o.port, o.host, () => {
    o.log.info({ url: `http://${o.host}:${o.port}`, ...o.describe }, `${o.name} listening`);
    process.send?.({ ready: true });
  });
  server.on('error', (err) => {
    o.log.fatal({ err: err.message }, 'cannot listen');
    process.exit(1);
  });

  let stopping = false;
  let ended = false;
  const end = async () => {
    if (ended) return;
    ended = true;
    await o.close().catch((e: Error) => o.log.warn({ err: e.message }, 'error while closing'));
    o.log.info(`${o.name} stopped`);
    process.exit(0);
  };
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    o.log.info({ signal }, 'draining: no new connections, finishing requests in flight');
    server.close(() => void end());
    server.closeIdleConnections();
    setTimeout(() => {
      o.log.warn('shutdown timeout: closing remaining connections');
      server.closeAllConnections();
      void end();
    }, o.shutdownTimeoutMs).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (o.leaveWithParent) process.on('disconnect', () => stop('parent exited'));
}
