import pg from 'pg';
import type { Logger } from '../../shared/log.ts';
import { serverSession, type Pool } from '../../shared/db/pool.ts';
import { SchemaCacheUnavailableError } from '../../shared/db/unavailable.ts';
import { loadSchemaCache } from './build.ts';
import type { SchemaCacheData } from './model.ts';
import { schemaReloadDuration, schemaReloads } from '../../shared/metrics/registry.ts';

export const RELOAD_CHANNEL = 'pgrst';
/** Backoff of the retries after a failed load. */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * The in-memory schema cache. Reloads on `NOTIFY pgrst, 'reload schema'` (which the
 * control schema's event trigger also sends after DDL), debounced. Requests read the
 * current snapshot; one that arrives while a reload runs waits for that reload only.
 */
export class SchemaCache {
  private data: SchemaCacheData | undefined;
  private inflight: Promise<SchemaCacheData> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private listener: pg.Client | undefined;
  private closed = false;
  private schemas: string[];
  /** DB_SCHEMAS and what expose() added; projects are added to these on each load. */
  private readonly configured: string[];
  /** Schemas created as projects: each a tenant with roles and a login of its own. */
  private projects = new Set<string>();
  /** Whether the latest load failed (a retry is scheduled). */
  private failing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  /** How many loads have completed (for observability and tests). */
  loads = 0;

  constructor(
    private readonly pool: Pool,
    schemas: string[],
    /** keyedSchemas: also serve the schemas of Basalt's API keys and projects (the server's own database; a project database has no control schema). */
    private readonly opts: { databaseUrl: string; debounceMs: number; log: Logger; keyedSchemas?: boolean },
  ) {
    this.schemas = [...schemas];
    this.configured = [...schemas];
  }

  get exposedSchemas(): readonly string[] {
    return this.schemas;
  }

  /** Whether `schema` is a project schema (served through its tenant's own login and roles). */
  isTenantSchema(schema: string): boolean {
    return this.projects.has(schema);
  }

  /** Adds schemas (e.g. a project created at run time) and reloads. */
  async expose(schemas: string[]): Promise<SchemaCacheData> {
    for (const s of schemas) if (!this.configured.includes(s)) this.configured.push(s);
    return this.reload();
  }

  async start(): Promise<void> {
    await this.reload();
    await this.listen();
  }

  /** The current snapshot; SchemaCacheUnavailableError when there has never been one and none can be loaded now. */
  async get(): Promise<SchemaCacheData> {
    if (this.data) return this.inflight && !this.failing ? this.inflight.catch(() => this.data!) : this.data;
    try {
      return await (this.inflight ?? this.reload());
    } catch (e) {
      throw new SchemaCacheUnavailableError(e);
    }
  }

  /** Whether a snapshot is loaded (readiness). */
  get loaded(): boolean {
    return this.data !== undefined;
  }

  reload(): Promise<SchemaCacheData> {
    if (this.inflight) {
      // A reload is running; chain one more after it so DDL that landed meanwhile is seen.
      const next = this.inflight.then(() => this.load(), () => this.load());
      this.inflight = next.finally(() => {
        if (this.inflight === next) this.inflight = undefined;
      });
      return next;
    }
    const p = this.load();
    this.inflight = p;
    p.finally(() => {
      if (this.inflight === p) this.inflight = undefined;
    }).catch(() => {});
    return p;
  }

  private async load(): Promise<SchemaCacheData> {
    try {
      // Projects (and schemas with API keys) are served without a restart.
      const keyedRows =
        this.opts.keyedSchemas === false
          ? []
          : await this.pool
              .query<{ schema_name: string; project: boolean }>(
                'SELECT schema_name, false AS project FROM basalt.api_keys WHERE is_active UNION SELECT schema_name, true FROM basalt.projects',
              )
              .then((r) => r.rows, () => [] as { schema_name: string; project: boolean }[]);
      const keyed = [...new Set(keyedRows.map((x) => x.schema_name))];
      this.projects = new Set(keyedRows.filter((x) => x.project).map((x) => x.schema_name));
      this.schemas = [...this.configured, ...keyed.filter((k) => !this.configured.includes(k))];
      const d = await loadSchemaCache(this.pool, this.schemas);
      this.data = d;
      this.loads++;
      schemaReloads.inc({ outcome: 'ok' });
      schemaReloadDuration.observe(d.loadMs / 1000);
      this.opts.log.info({ schemas: this.schemas, tables: d.tables.size, functions: d.functions.size, ms: d.loadMs }, 'schema cache loaded');
      this.failing = false;
      this.retryMs = RETRY_MIN_MS;
      return d;
    } catch (e) {
      // Keep serving the last good snapshot, and try again with backoff until a load succeeds.
      this.failing = true;
      schemaReloads.inc({ outcome: 'error' });
      this.opts.log.error({ err: (e as Error).message, retryInMs: this.retryMs }, 'schema cache load failed; keeping the last good cache');
      if (!this.closed) {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => void this.reload().catch(() => {}), this.retryMs);
        this.retryTimer.unref();
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      }
      if (this.data) return this.data;
      throw e;
    }
  }

  private scheduleReload() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload().catch(() => {}), this.opts.debounceMs);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(serverSession(this.opts.databaseUrl, 'basalt-schema-listener'));
    client.on('notification', (msg) => {
      const payload = (msg.payload ?? '').trim();
      if (payload === '' || payload === 'reload schema') this.scheduleReload();
    });
    client.on('error', (err) => {
      this.opts.log.warn({ err: err.message }, 'schema listener lost its connection; reconnecting');
    });
    client.on('end', () => {
      if (this.closed) return;
      // Notifications sent while disconnected are lost: reload once reconnected.
      setTimeout(() => void this.listen().then(() => this.scheduleReload(), () => {}), 1000);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${RELOAD_CHANNEL}`);
      this.listener = client;
    } catch (e) {
      this.opts.log.warn({ err: (e as Error).message }, 'schema listener could not connect; retrying');
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      if (!this.closed) setTimeout(() => void this.listen().then(() => this.scheduleReload(), () => {}), 1000);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    await this.listener?.end().catch(() => {});
  }
}
