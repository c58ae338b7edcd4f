/**
 * Custom hostnames of projects: the state machine of the Management API's custom-hostname
 * endpoints, and the Host → project lookup that routes requests for active hostnames.
 *
 * States: 1_not_started (no row) → 2_initiated (TXT challenge issued) → 3_challenge_verified
 * (the TXT record `_basalt-challenge.<host>` holds the value) → 4_origin_setup_completed
 * (the hostname routes to Basalt) → 5_services_reconfigured (activated: requests with that
 * Host reach the project).
 *
 * "Routes to Basalt" means, through the configured resolver (DNS_SERVERS): the hostname is a
 * CNAME of <ref>.<PROJECT_BASE_DOMAIN>, or one of its A/AAAA addresses is an address of this
 * machine's interfaces or one of the addresses <ref>.<PROJECT_BASE_DOMAIN> resolves to (so a
 * load balancer in front of several instances works). No HTTP probe is made.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import type { Redis } from 'ioredis';
import { fail } from '../errors.ts';
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import { pgErrorKind } from '../db/sqlstate.ts';

export type HostnameStatus = '1_not_started' | '2_initiated' | '3_challenge_verified' | '4_origin_setup_completed' | '5_services_reconfigured';

/** Every instance hears changes here (not prefixed: any instance on the database must drop its cache). */
export const CUSTOM_HOSTNAME_CHANNEL = 'basalt:custom-hostnames:changed';
export const CHALLENGE_PREFIX = '_basalt-challenge';

const bad = (message: string) => fail('BAD_REQUEST', message);

/** `Api.Example.com.` → `api.example.com`; `host:port` → host. */
export function normaliseHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h; // IPv6 literal: never a custom hostname
  h = h.replace(/:\d+$/, '');
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** parse: initialize's body → a hostname that can be a project's (RFC 1123, not an IP, not the base domain). */
export function parseCustomHostname(body: unknown, baseDomain: string): string {
  const raw = body && typeof body === 'object' ? (body as Record<string, unknown>).custom_hostname : undefined;
  if (typeof raw !== 'string' || !raw.trim()) throw bad('custom_hostname is required');
  const h = normaliseHost(raw);
  if (ipaddr.isValid(h) || ipaddr.isValid(h.replace(/^\[|\]$/g, ''))) throw bad(`custom_hostname must be a DNS name, not an IP address: ${raw}`);
  const labels = h.split('.');
  const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
  if (h.length > 253 || labels.length < 2 || !labels.every((l) => label.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    throw bad(`custom_hostname is not a valid hostname (RFC 1123: dot-separated labels of letters, digits and hyphens, 1–63 characters each): ${raw}`);
  }
  const base = normaliseHost(baseDomain);
  if (h === base || h.endsWith(`.${base}`)) throw bad(`custom_hostname must not be ${base} or one of its subdomains; those are Basalt's own`);
  return h;
}

interface Row {
  project_ref: string;
  hostname: string;
  status: Exclude<HostnameStatus, '1_not_started'>;
  challenge_value: string;
  verification_errors: string[];
  created_at: Date;
  id: string;
}

export interface HostnameView {
  status: HostnameStatus;
  custom_hostname: string;
  data: Record<string, unknown>;
}

/** Shaped like Supabase's answer, which wraps its certificate provider's custom-hostname record. */
function viewOf(r: Row | undefined): HostnameView {
  if (!r) return { status: '1_not_started', custom_hostname: '', data: {} };
  const verified = r.status !== '2_initiated';
  return {
    status: r.status,
    custom_hostname: r.hostname,
    data: {
      success: true,
      errors: [],
      messages: [],
      result: {
        id: r.id,
        hostname: r.hostname,
        ssl: { status: verified ? 'active' : 'pending_validation', validation_records: [], validation_errors: [] },
        ownership_verification: { type: 'txt', name: `${CHALLENGE_PREFIX}.${r.hostname}`, value: r.challenge_value },
        custom_origin_server: r.hostname,
        status: verified ? 'active' : 'pending',
        verification_errors: r.verification_errors,
        created_at: r.created_at.toISOString(),
      },
    },
  };
}

const COLS = "project_ref, hostname, status, challenge_value, verification_errors, created_at, md5(project_ref || hostname)::uuid::text AS id";

export class CustomHostnameStore {
  private readonly resolver = new Resolver({ timeout: 3000, tries: 2 });

  constructor(
    private readonly pool: Pool,
    private readonly redis: Redis,
    private readonly config: Pick<Config, 'DNS_SERVERS' | 'PROJECT_BASE_DOMAIN' | 'HOST'>,
  ) {
    if (config.DNS_SERVERS.length) {
      try {
        this.resolver.setServers(config.DNS_SERVERS);
      } catch (e) {
        throw new Error(`DNS_SERVERS: ${(e as Error).message} (entries are ip or ip:port, [v6]:port)`);
      }
    }
  }

  private async row(ref: string): Promise<Row | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLS} FROM basalt.project_custom_hostnames WHERE project_ref = $1`, [ref]);
    return rows[0];
  }

  private async changed() {
    await this.redis.publish(CUSTOM_HOSTNAME_CHANNEL, '1').catch(() => {});
  }

  async get(ref: string): Promise<HostnameView> {
    return viewOf(await this.row(ref));
  }

  /** Starts (or restarts, with a new challenge) verification of `hostname` for `ref`. */
  async initialize(ref: string, hostname: string): Promise<HostnameView> {
    const challenge = randomBytes(24).toString('base64url');
    try {
      const { rows } = await this.pool.query<Row>(
        `INSERT INTO basalt.project_custom_hostnames (project_ref, hostname, status, challenge_value)
         VALUES ($1, $2, '2_initiated', $3)
         ON CONFLICT (project_ref) DO UPDATE SET hostname = EXCLUDED.hostname, status = '2_initiated',
           challenge_value = EXCLUDED.challenge_value, verification_errors = '[]', created_at = now(), updated_at = now()
         RETURNING ${COLS}`,
        [ref, hostname, challenge],
      );
      await this.changed(); // it may have been active under another name
      return viewOf(rows[0]);
    } catch (e) {
      if (pgErrorKind(e) === 'unique_violation') throw bad(`${hostname} is already the custom hostname of another project`);
      throw e;
    }
  }

  /** Checks DNS and advances as far as it can: TXT challenge, then origin. */
  async reverify(ref: string): Promise<HostnameView> {
    const r = await this.row(ref);
    if (!r) throw bad('This project has no custom hostname; call POST /v1/projects/{ref}/custom-hostname/initialize first');
    let status = r.status;
    const errors: string[] = [];
    if (status === '2_initiated') {
      const name = `${CHALLENGE_PREFIX}.${r.hostname}`;
      const found = await this.lookup(() => this.resolver.resolveTxt(name), errors, `TXT ${name}`);
      if (found?.some((chunks) => chunks.join('') === r.challenge_value)) status = '3_challenge_verified';
      else if (found) errors.push(`TXT record ${name} does not hold the expected value`);
    }
    if (status === '3_challenge_verified') {
      if (await this.routesToBasalt(ref, r.hostname, errors)) status = '4_origin_setup_completed';
    }
    const { rows } = await this.pool.query<Row>(
      `UPDATE basalt.project_custom_hostnames SET status = $2, verification_errors = $3, updated_at = now()
       WHERE project_ref = $1 AND hostname = $4 RETURNING ${COLS}`,
      [ref, status, JSON.stringify(errors), r.hostname],
    );
    return viewOf(rows[0] ?? r);
  }

  async activate(ref: string): Promise<HostnameView> {
    const r = await this.row(ref);
    if (!r) throw bad('This project has no custom hostname; call initialize first');
    if (r.status === '5_services_reconfigured') return viewOf(r);
    if (r.status !== '4_origin_setup_completed') {
      throw bad(`The custom hostname is not verified yet (status ${r.status}); call reverify until it reaches 4_origin_setup_completed`);
    }
    const { rows } = await this.pool.query<Row>(
      `UPDATE basalt.project_custom_hostnames SET status = '5_services_reconfigured', updated_at = now() WHERE project_ref = $1 RETURNING ${COLS}`,
      [ref],
    );
    await this.changed();
    return viewOf(rows[0] ?? r);
  }

  async remove(ref: string): Promise<void> {
    await this.pool.query('DELETE FROM basalt.project_custom_hostnames WHERE project_ref = $1', [ref]);
    await this.changed();
  }

  /** A DNS answer, or undefined with the reason in `errors` (no such name is not a failure of ours). */
  private async lookup<T>(fn: () => Promise<T>, errors: string[], what: string): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      const code = (e as { code?: string }).code;
      errors.push(code === 'ENODATA' || code === 'ENOTFOUND' ? `${what}: no such record` : `${what}: DNS lookup failed (${code ?? (e as Error).message})`);
      return undefined;
    }
  }

  private async routesToBasalt(ref: string, hostname: string, errors: string[]): Promise<boolean> {
    const projectHost = `${ref}.${normaliseHost(this.config.PROJECT_BASE_DOMAIN)}`;
    const quiet: string[] = [];
    const cname = await this.lookup(() => this.resolver.resolveCname(hostname), quiet, `CNAME ${hostname}`);
    if (cname?.some((c) => normaliseHost(c) === projectHost)) return true;
    const [v4, v6] = await Promise.all([
      this.lookup(() => this.resolver.resolve4(hostname), quiet, `A ${hostname}`),
      this.lookup(() => this.resolver.resolve6(hostname), quiet, `AAAA ${hostname}`),
    ]);
    const addrs = [...(v4 ?? []), ...(v6 ?? [])].map((a) => ipaddr.process(a).toString());
    if (!addrs.length && !cname?.length) {
      errors.push(`${hostname} has no CNAME, A or AAAA record; point it at ${projectHost}`);
      return false;
    }
    const ours = new Set(this.localAddresses());
    const [p4, p6] = await Promise.all([
      this.lookup(() => this.resolver.resolve4(projectHost), quiet, ''),
      this.lookup(() => this.resolver.resolve6(projectHost), quiet, ''),
    ]);
    for (const a of [...(p4 ?? []), ...(p6 ?? [])]) ours.add(ipaddr.process(a).toString());
    if (addrs.some((a) => ours.has(a))) return true;
    errors.push(`${hostname} resolves to ${[...(cname ?? []), ...addrs].join(', ')}, which is not this Basalt server; make it a CNAME of ${projectHost}`);
    return false;
  }

  /** Addresses this server answers on: the HOST it binds, or every interface when it binds all. */
  private localAddresses(): string[] {
    const host = this.config.HOST;
    if (host !== '0.0.0.0' && host !== '::' && ipaddr.isValid(host)) return [ipaddr.process(host).toString()];
    return Object.values(os.networkInterfaces())
      .flat()
      .filter((i) => !!i)
      .map((i) => ipaddr.process(i!.address.split('%')[0]!).toString());
  }
}

/** Active hostname → ref, for one database; reloaded on a change message and every minute. */
/**
 * The active custom hostnames, answered from memory; the cache is dropped whenever any
 * instance changes a custom hostname (Redis pub/sub). One per API process.
 */
export class ActiveHostnames {
  private map?: Map<string, string>;
  private loading?: Promise<Map<string, string>>;
  private loadedAt = 0;
  private subscribed = false;
  /** Bumped by every change message, so a load that raced a change is not kept. */
  private generation = 0;

  private invalidate() {
    this.generation++;
    this.map = undefined;
  }

  constructor(private readonly deps: { pool: Pool; redis: Redis }) {}

  private sub?: Redis;

  /** Drops the change subscription (API shutdown). */
  close() {
    this.subscribed = true; // no new subscription after close
    this.sub?.disconnect();
    this.sub = undefined;
  }

  private subscribe() {
    if (this.subscribed) return;
    this.subscribed = true;
    const sub = (this.sub = this.deps.redis.duplicate());
    sub.on('error', () => {});
    sub.on('message', () => this.invalidate());
    sub.on('ready', () => this.invalidate());
    void sub.subscribe(CUSTOM_HOSTNAME_CHANNEL).catch(() => {});
  }

  async resolve(host: string): Promise<string | undefined> {
    this.subscribe();
    let map = this.map;
    if (!map || Date.now() - this.loadedAt > 60_000) {
      const gen = this.generation;
      this.loading ??= this.deps.pool
        .query<{ hostname: string; project_ref: string }>("SELECT hostname, project_ref FROM basalt.project_custom_hostnames WHERE status = '5_services_reconfigured'")
        .then(({ rows }) => new Map(rows.map((r) => [r.hostname, r.project_ref])))
        .finally(() => (this.loading = undefined));
      map = await this.loading;
      if (gen === this.generation) {
        this.map = map;
        this.loadedAt = Date.now();
      }
    }
    return map.get(normaliseHost(host));
  }
}
