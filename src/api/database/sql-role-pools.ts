import { createPool, type Pool } from '../../shared/db/pool.ts';
import { sqlRoleConnectionUrl } from '../../shared/control/sql-roles.ts';
import type { SqlMode } from '../../shared/sql/strict-rules.ts';
import type { Config } from '../../shared/config.ts';
import type { Logger } from '../../shared/log.ts';

/** Concurrent raw SQL queries per mode and process; more wait for a connection (503 after DB_CONNECT_TIMEOUT_MS). */
const POOL_MAX = 3;

/** Raw SQL's pools, one per mode, each as that mode's own login; created on first use (most processes never run raw SQL). */
export class SqlRolePools {
  private readonly pools = new Map<SqlMode, Pool>();

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  of(mode: SqlMode): Pool {
    let pool = this.pools.get(mode);
    if (!pool) {
      pool = createPool(this.config, this.log, { applicationName: `basalt-rawsql-${mode}`, max: POOL_MAX, connectionString: sqlRoleConnectionUrl(this.config, mode) });
      this.pools.set(mode, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map((p) => p.end()));
  }
}
