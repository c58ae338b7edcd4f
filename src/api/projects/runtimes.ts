/**
 * The live side of Management API projects on this API instance: for each project that
 * has had requests, a bounded pool (as the project's own `<db>_authenticator` login) on its
 * database, a schema cache listening there, and a data-API router built with the project's
 * own config and secret.
 * Built on first use, closed when idle, on project delete (here, and on every other
 * instance through a Redis message) and on shutdown.
 */
import type { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config.ts';
import { createPool, type Pool } from '../../shared/db/pool.ts';
import { fail } from '../../shared/errors.ts';
import { SchemaCache } from '../schema-cache/cache.ts';
import { findProject, projectJwtSecret, type ManagementProject } from '../../shared/management/projects.ts';
import { ensureProjectLogin, projectRestUrl } from '../../shared/management/project-database.ts';
import type { ApiKeyStore } from '../auth/api-keys.ts';
import { restRouter } from '../rest/routes.ts';
import type { Services } from '../services.ts';

/** A project runtime with no requests for this long is closed (and rebuilt on the next request). */
const IDLE_MS = 10 * 60_000;
const SWEEP_MS = 60_000;
/** The project schema cache's pool (catalog loads); data-API requests use the rest pool. */
const ADMIN_POOL_MAX = 2;

export interface ProjectRuntime {
  ref: string;
  project: ManagementProject;
  services: Services;
  router: Router;
  /** Requests in flight; an idle sweep never closes a runtime that serves one. */
  active: number;
  lastUsed: number;
  close(): Promise<void>;
}

/** Projects serve only their own JWTs: Basalt's schema-scoped API keys belong to the default database. */
const noApiKeys = { lookup: async () => null, forget: () => {}, flush: async () => {}, close: async () => {} } as unknown as ApiKeyStore;

/** The data API's settings for a project: its secret, public schema, no pre-request, commit. */
export function projectConfig(base: Config, p: ManagementProject, secret: string): Config {
  return {
    ...base,
    // The project's own data-API login, not the superuser: catalog reads and LISTEN need nothing more.
    DATABASE_URL: projectRestUrl(base, p.dbName).url,
    DB_REST_URL: undefined,
    JWT_SECRET: secret,
    JWT_AUD: undefined,
    JWT_ROLE_CLAIM_KEY: '.role',
    DB_SCHEMAS: ['public'],
    DB_ANON_ROLE: 'anon',
    DB_PRE_REQUEST: undefined,
    DB_TX_END: 'commit',
  };
}

export class ProjectRuntimes {
  private readonly live = new Map<string, Promise<ProjectRuntime>>();
  private readonly provisioning = new Map<string, Promise<unknown>>();
  private readonly sweeper: NodeJS.Timeout;
  private subscriber: Redis | undefined;
  private closed = false;
  readonly channel: string;

  constructor(private readonly s: Services) {
    this.channel = `${s.config.QUEUE_PREFIX}:management:project-closed`;
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
    this.subscribe();
  }

  /** Other instances close their runtime of a project that was deleted (or changed) elsewhere. */
  private subscribe() {
    const sub = this.s.redis.duplicate();
    sub.on('error', (err) => this.s.log.warn({ err: err.message }, 'project invalidation subscriber error'));
    sub.on('message', (_channel, ref: string) => void this.evict(ref));
    sub.subscribe(this.channel).catch((e) => this.s.log.warn({ err: (e as Error).message }, 'cannot subscribe to project invalidations'));
    this.subscriber = sub;
  }

  /** The runtime of an ACTIVE_HEALTHY project; 404 for an unknown ref, 503 while it is not ready. */
  async get(ref: string): Promise<ProjectRuntime> {
    const hit = this.live.get(ref);
    if (hit) return hit;
    const project = await findProject(this.s.pool, ref);
    if (!project) throw fail('PROJECT_NOT_FOUND', `Project ${ref} not found`);
    if (project.status !== 'ACTIVE_HEALTHY') {
      throw fail('PROJECT_NOT_READY', `Project ${ref} is not ready (status ${project.status})`, { headers: { 'Retry-After': '1' } });
    }
    // Two requests racing here share one build.
    const again = this.live.get(ref);
    if (again) return again;
    const building = this.build(project);
    this.live.set(ref, building);
    building.catch(() => {
      if (this.live.get(ref) === building) this.live.delete(ref);
    });
    return building;
  }

  private async build(project: ManagementProject): Promise<ProjectRuntime> {
    if (this.closed) throw fail('SHUTTING_DOWN', 'The server is shutting down');
    const s = this.s;
    const log = s.log.child({ project: project.ref });
    const config = projectConfig(s.config, project, projectJwtSecret(s.config, project));
    await ensureProjectLogin(s.pool, s.config, project.dbName);
    const adminPool: Pool = createPool(s.config, log, { applicationName: `basalt-project-${project.ref}`, max: ADMIN_POOL_MAX, connectionString: config.DATABASE_URL });
    const restPool: Pool = createPool(s.config, log, {
      applicationName: `basalt-rest-${project.ref}`,
      pipeline: true,
      max: s.config.PROJECT_POOL_MAX,
      connectionString: projectRestUrl(s.config, project.dbName).url,
    });
    const schemaCache = new SchemaCache(adminPool, config.DB_SCHEMAS, { databaseUrl: config.DATABASE_URL, debounceMs: s.config.SCHEMA_RELOAD_DEBOUNCE_MS, log, keyedSchemas: false });
    const close = async () => {
      await schemaCache.close();
      await Promise.allSettled([adminPool.end(), restPool.end()]);
    };
    try {
      await schemaCache.start();
    } catch (e) {
      await close();
      throw e;
    }
    const services: Services = { ...s, config, log, pool: adminPool, restPool, schemaCache, apiKeys: noApiKeys };
    log.info('project data API started on this instance');
    return { ref: project.ref, project, services, router: restRouter(services), active: 0, lastUsed: Date.now(), close };
  }

  /** Closes this instance's runtime of `ref`, if any. */
  async evict(ref: string): Promise<void> {
    const rt = this.live.get(ref);
    if (!rt) return;
    this.live.delete(ref);
    await rt.then((r) => r.close(), () => {});
  }

  /** Closes the runtime here and on every other instance. */
  async invalidate(ref: string): Promise<void> {
    await this.evict(ref);
    await this.s.redis.publish(this.channel, ref).catch((e) => this.s.log.warn({ err: (e as Error).message, ref }, 'cannot publish project invalidation'));
  }

  /** Remembers background provisioning so that delete and shutdown wait for it. */
  track(ref: string, work: Promise<unknown>): void {
    const p = work.catch(() => {}).finally(() => {
      if (this.provisioning.get(ref) === p) this.provisioning.delete(ref);
    });
    this.provisioning.set(ref, p);
  }

  async settled(ref: string): Promise<void> {
    await this.provisioning.get(ref);
  }

  private async sweep() {
    const now = Date.now();
    for (const [ref, p] of this.live) {
      const rt = await p.catch(() => undefined);
      if (rt && rt.active === 0 && now - rt.lastUsed > IDLE_MS && this.live.get(ref) === p) {
        this.live.delete(ref);
        await rt.close();
        this.s.log.info({ project: ref }, 'idle project data API closed');
      }
    }
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.provisioning.values()]);
    const all = [...this.live.keys()];
    await Promise.allSettled(all.map((ref) => this.evict(ref)));
    this.subscriber?.disconnect();
  }
}
