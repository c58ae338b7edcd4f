import os from 'node:os';
import { z } from 'zod';

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const csv = (def: string) =>
  z
    .string()
    .default(def)
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const url = (protocols: string[]) =>
  z
    .string({ error: 'is required' })
    .min(1, 'is required')
    .refine((s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

/** Every environment variable Basalt reads. The README documents each one. */
export const configSchema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  REDIS_URL: url(['redis:', 'rediss:']),
  PORT: int(3000, 1).refine((p) => p < 65536, 'must be a port number'),
  HOST: z.string().default('0.0.0.0'),
  JWT_SECRET: z.string({ error: 'is required' }).min(32, 'must be at least 32 characters'),
  ADMIN_USER: z.string().min(1).default('admin'),
  ADMIN_PASSWORD: z.string({ error: 'is required' }).min(8, 'must be at least 8 characters'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEB_CONCURRENCY: int(os.availableParallelism(), 1),
  DB_POOL_MAX: int(10, 1),
  DB_POOL_IDLE_MS: int(30_000),
  DB_CONNECT_TIMEOUT_MS: int(5_000, 1),
  DB_STATEMENT_TIMEOUT_MS: int(30_000, 1),
  DB_SCHEMAS: csv('public'),
  /** Empty disables anonymous access (requests without a token get 401 PGRST302). */
  DB_ANON_ROLE: z.string().default('anon'),
  /** `supabase`: anon and authenticated get ALL on what the server's login creates in public later, as on Supabase. */
  DB_DEFAULT_GRANTS: z.enum(['service_role', 'supabase']).default('service_role'),
  /** The data API's login role connection; derived from DATABASE_URL (user `authenticator`) when unset. */
  DB_REST_URL: url(['postgres:', 'postgresql:']).optional(),
  DB_PRE_REQUEST: z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$/, 'must be schema.function').optional(),
  DB_TX_END: z.enum(['commit', 'commit-allow-override', 'rollback', 'rollback-allow-override']).default('commit'),
  JWT_AUD: z.string().optional(),
  JWT_ROLE_CLAIM_KEY: z.string().regex(/^(\.([A-Za-z0-9_$-]+|"[^"]+")|\[\d+\])+$/, 'must be a path like .role or .app_metadata.role').default('.role'),
  JWT_CACHE_MAX_ENTRIES: int(1000),
  /** Largest request body the data API accepts (bytes, or e.g. 50mb). */
  REST_MAX_BODY: z.string().default('50mb'),
  DB_MAX_ROWS: z.coerce.number().int().min(1).optional(),
  /** Aggregate functions in the data API's `select` (PostgREST's db-aggregates-enabled); off by default. */
  DB_AGGREGATES_ENABLED: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Data API responses carry Server-Timing (PostgREST's server-timing-enabled). */
  SERVER_TIMING_ENABLED: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** The data API answers Accept: application/vnd.pgrst.plan with EXPLAIN (PostgREST's db-plan-enabled). */
  DB_PLAN_ENABLED: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  SCHEMA_RELOAD_DEBOUNCE_MS: int(100),
  JOB_WAIT_MS: int(30_000),
  JOB_RESULT_TTL_SECONDS: int(86_400, 60),
  JOB_LOCK_MS: int(30_000, 1_000),
  JOB_ATTEMPTS: int(3, 1),
  /**
   * Where job inputs and outputs are kept: `fs`, files in ARTIFACT_DIR (one host, or a volume the API
   * and every worker mount); `postgres`, chunks in the database (any number of hosts). Default: fs
   * when ARTIFACT_DIR is set, else postgres.
   */
  ARTIFACT_STORE: z.enum(['fs', 'postgres']).optional(),
  ARTIFACT_DIR: z.string().min(1).optional(),
  WORKER_CONCURRENCY: int(2, 1),
  /** Statement timeout for job work (COPY); 0 means none. */
  JOB_STATEMENT_TIMEOUT_MS: int(0),
  /** Where pg_dump and pg_restore of the server's major version are, when not in the usual places (SQL exports use them). */
  PG_BIN_DIR: z.string().optional(),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only').default('basalt'),
  SHUTDOWN_TIMEOUT_MS: int(15_000, 100),
  /** When set, GET /metrics without credentials on this port too (docs/operations.md, "Metrics"). */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535, 'must be a port number').optional(),
  /** Clients whose X-Forwarded-For is believed (comma-separated IPs or CIDRs). */
  TRUSTED_PROXIES: csv(''),
  /** Brute-force protection: this many failed logins from one address within the window bans it. */
  AUTH_BAN_THRESHOLD: int(10, 1),
  AUTH_BAN_WINDOW_SECONDS: int(300, 1),
  AUTH_BAN_DURATION_SECONDS: int(3600, 1),
  /** Addresses never banned (CIDRs); e.g. a monitoring host. */
  AUTH_BAN_EXEMPT: csv(''),
  /**
   * Origins (scheme://host[:port]) other than the server's own whose browsers may send
   * state-changing requests to /api, /v1 and the Postgres Admin routes; empty: none.
   */
  ADMIN_ALLOWED_ORIGINS: csv('').refine(
    (list) => list.every((o) => /^https?:\/\/[^/?#\s]+$/i.test(o) && URL.canParse(o)),
    'must be comma-separated origins such as https://admin.example.com (scheme and host, no path)',
  ),
  // Licences (issue 6)
  /**
   * Ed25519 public key that licence keys are verified with: PEM text (newlines may be written \n)
   * or base64 SPKI DER. Unset: the vendor key Basalt ships (src/shared/license/vendor-public-key.pem).
   */
  LICENSE_PUBLIC_KEY: z.string().optional(),
  /** Optional licence server the worker revalidates against daily (protocol: docs/licences.md). */
  LICENSE_SERVER_URL: z.string().url().optional(),
  /** `on`: admin endpoints answer 402 without a valid licence, trial or grace period. */
  LICENSE_ENFORCEMENT: z.enum(['off', 'on']).default('off'),
  // Postgres Admin API (issue 7)
  /** Key for X-Connection-Encrypted (CryptoJS-compatible AES); unset disables that header. */
  CRYPTO_KEY: z.string().optional(),
  /** `on` (default): the root pg-meta routes need admin credentials. `off`: open, as postgres-meta is. */
  PG_META_AUTH: z.enum(['on', 'off']).default('on'),
  PG_META_STATEMENT_TIMEOUT_MS: int(30_000, 1),
  PG_META_TARGET_POOL_MAX: int(5, 1),
  PG_META_TARGET_IDLE_MS: int(60_000, 1000),
  PG_META_MAX_TARGETS: int(20, 1),
  // Management API (issue 8)
  /** 64 hex characters: AES-256-GCM key for secrets at rest; npm start generates one in .data/. */
  BASALT_MASTER_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters').optional(),
  /** Projects answer at <ref>.<PROJECT_BASE_DOMAIN>. */
  PROJECT_BASE_DOMAIN: z.string().default('localhost'),
  PROJECT_POOL_MAX: int(5, 1),
  /** Resolvers for custom-hostname TXT checks (ip or ip:port, comma-separated); system resolvers when empty. */
  DNS_SERVERS: csv(''),
  // Edge functions (issue 20): the `functions` process runs them in Deno; the API proxies to it.
  /** Where the API reaches the functions process. */
  FUNCTIONS_URL: url(['http:']).default('http://127.0.0.1:3001'),
  /** Where the functions process listens (loopback by default: only the API talks to it). */
  FUNCTIONS_PORT: int(3001, 1).refine((p) => p < 65536, 'must be a port number'),
  FUNCTIONS_HOST: z.string().default('127.0.0.1'),
  /** How functions reach this API: SUPABASE_URL is <this>/project/<ref>. Default http://127.0.0.1:<PORT>. */
  FUNCTIONS_API_URL: url(['http:', 'https:']).optional(),
  FUNCTIONS_WALL_CLOCK_MS: int(150_000, 100),
  FUNCTIONS_MEMORY_MB: int(256, 16),
  FUNCTIONS_MAX_BODY_MB: int(20, 1),
  /** An instance with no request for this long is stopped. */
  FUNCTIONS_IDLE_MS: int(60_000, 1000),
  /** Requests one instance takes at once before another instance of the same version starts. */
  FUNCTIONS_INSTANCE_CONCURRENCY: int(64, 1),
  FUNCTIONS_INSTANCES_PER_VERSION: int(2, 1),
  /** Instances of all functions on one functions process. */
  FUNCTIONS_MAX_INSTANCES: int(50, 1),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Workers never sign or check tokens or admin logins, so they do not need those secrets. */
const workerSchema = configSchema.extend({
  JWT_SECRET: z.string().default(''),
  ADMIN_PASSWORD: z.string().default(''),
});

export function parseConfig(env: NodeJS.ProcessEnv, kind: 'api' | 'worker' = 'api'): Config {
  const r = (kind === 'worker' ? workerSchema : configSchema).safeParse(env);
  if (r.success && r.data.ARTIFACT_STORE === 'fs' && !r.data.ARTIFACT_DIR) throw new ConfigError(['ARTIFACT_DIR: is required when ARTIFACT_STORE is fs']);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigError(problems);
}

/**
 * The process's config, read once by its main.ts and passed down. A bad environment ends
 * the process with one readable message listing every problem, never a stack trace.
 */
export function loadConfig(kind: 'api' | 'worker' = 'api'): Config {
  try {
    return parseConfig(process.env, kind);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`basalt: ${e.message}\nSee README.md, "Configuration".\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
}
