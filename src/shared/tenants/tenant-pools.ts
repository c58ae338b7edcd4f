/**
 * One pool per project schema, logged in as that tenant's own `<schema>_authenticator`
 * (src/shared/tenants/schema-tenants.ts): the data API's requests for the schema, and the
 * work an admin asks for on its objects, run in sessions that cannot become any role of
 * another tenant or of the server. Built on first use; idle connections close by themselves.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { createPool, withTransaction, type Pool, type PoolClient } from '../db/pool.ts';
import { quoteIdent } from '../sql/ident.ts';
import { schemaTenant, tenantLoginUrl, type SchemaTenant } from './schema-tenants.ts';

/** Inside a transaction of the tenant's login: act as the tenant's owner, with the owner's usual search_path. */
export async function becomeOwner(c: PoolClient, t: SchemaTenant): Promise<void> {
  await c.query(`SET LOCAL ROLE ${quoteIdent(t.owner)}`);
  await c.query(`SELECT pg_catalog.set_config('search_path', pg_catalog.quote_ident($1) || ', public', true)`, [t.schema]);
}

export class TenantPools {
  /** `rest`: pipelined, for the data API; `work`: plain (COPY, several statements), for admin and job work. */
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly opts: { statementTimeoutMs?: number } = {},
  ) {}

  private get(schema: string, kind: 'rest' | 'work'): Pool {
    const key = `${kind}:${schema}`;
    let p = this.pools.get(key);
    if (!p) {
      p = createPool(this.config, this.log, {
        applicationName: `basalt-tenant-${kind}-${schema}`.slice(0, 63),
        max: this.config.PROJECT_POOL_MAX,
        connectionString: tenantLoginUrl(this.config, schema),
        pipeline: kind === 'rest',
        statementTimeoutMs: this.opts.statementTimeoutMs,
      });
      this.pools.set(key, p);
    }
    return p;
  }

  /** The data API's pool for a project schema. */
  rest(schema: string): Pool {
    return this.get(schema, 'rest');
  }

  /** The pool for work done on a project schema's objects for an admin or a job. */
  work(schema: string): Pool {
    return this.get(schema, 'work');
  }

  /**
   * Runs fn in a transaction of the tenant's login, as the tenant's owner: the tenant's
   * triggers, defaults and functions run with the tenant's rights and nothing more.
   */
  async asOwner<T>(schema: string, fn: (c: PoolClient, t: SchemaTenant) => Promise<T>, owner?: string): Promise<T> {
    const t = schemaTenant(schema, owner);
    return withTransaction(this.work(schema), (c) => fn(c, t), (c) => becomeOwner(c, t));
  }

  /** Closes a tenant's pools (its schema was dropped). */
  async forget(schema: string): Promise<void> {
    const mine = [...this.pools.entries()].filter(([k]) => k.slice(k.indexOf(':') + 1) === schema);
    for (const [k] of mine) this.pools.delete(k);
    await Promise.allSettled(mine.map(([, p]) => p.end()));
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(all.map((p) => p.end()));
  }
}
