import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout; never log connection strings or secrets. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid, proc: name },
    redact: { paths: ['req.headers.authorization', 'req.headers.apikey', 'req.headers.cookie', '*.connectionString', '*.password'], censor: '[redacted]' },
  });
}
