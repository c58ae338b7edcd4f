import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { jwtVerify, decodeJwt } from 'jose';
import { databaseUrl, db, redisUrl } from '../support/env.ts';
import { testEnv } from '../support/test-env.ts';
import { startProcess, stopProcess, whenReady, type Started } from '../support/processes.ts';
import { freePort } from '../../scripts/local-services.ts';
import { openWithMasterKey } from '../../src/shared/crypto/master-key.ts';
import { newOrganization, newProject, newToken, v1, type V1 } from './core-support.ts';
import { databaseUrlAs, tryConnect } from '../support/management.ts';

const MASTER = { BASALT_MASTER_KEY: 'a'.repeat(64) };
// Quotes, a semicolon and a backslash: the password must reach CREATE ROLE as data, never as SQL.
const TRICKY_PASS = `pa'ss"w\\ord; DROP ROLE anon; --`;
/** Strong enough for db_pass (docs/management-api.md): where a test is about something else. */
const PASS = 'Strong-pass-42';

const projectUrl = (dbName: string, user: string, password: string) => databaseUrlAs(user, password, dbName);
const canConnect = tryConnect;

describe('/v1/projects', () => {
  let alice: V1;
  let bob: V1;
  let aliceOrg: { id: string; slug: string };
  let bobOrg: { id: string; slug: string };
  let project: any;
  let bobProject: any;
  let validator: V1 | undefined;

  beforeAll(async () => {
    alice = v1((await newToken('projects-test alice')).token);
    bob = v1((await newToken('projects-test bob')).token);
    aliceOrg = await newOrganization(alice, 'projects-test alice org');
    bobOrg = await newOrganization(bob, 'projects-test bob org');
    [project, bobProject] = await Promise.all([
      newProject(alice, aliceOrg.slug, 'alice project', TRICKY_PASS),
      newProject(bob, bobOrg.slug, 'bob project', 'bob-password-1'),
    ]);
  }, 90_000);

  afterAll(async () => {
    await bob('DELETE', `/projects/${bobProject?.ref}`).catch(() => {});
  });

  it('creates a project: 201 with the seed shape, ref and status COMING_UP, and the database follows', async () => {
    const r = await alice('POST', '/projects', { body: { name: 'shape', organization_id: aliceOrg.id, db_pass: PASS, region: 'eu-west-1' } });
    expect(r.status).toBe(201);
    const p = r.json();
    expect(p).toMatchObject({ id: p.ref, organization_id: aliceOrg.slug, name: 'shape', region: 'eu-west-1', status: 'COMING_UP' });
    expect(p.ref).toMatch(/^[a-z]{20}$/);
    expect(new Date(p.created_at).toISOString()).toBe(p.created_at);
    expect(p.database).toEqual({ host: new URL(databaseUrl).hostname, version: expect.stringMatching(/^\d+\.\d+/) });
    // Right after: a truthful status, and ACTIVE_HEALTHY exactly when the database exists.
    const now = (await alice('GET', `/projects/${p.ref}`)).json();
    expect(['COMING_UP', 'ACTIVE_HEALTHY']).toContain(now.status);
    const ready = await newProjectReady(alice, p.ref);
    expect(ready.status).toBe('ACTIVE_HEALTHY');
    const { rows } = await db().query('SELECT 1 FROM pg_database WHERE datname = $1', [`project_${p.ref}`]);
    expect(rows).toHaveLength(1);
    expect((await alice('DELETE', `/projects/${p.ref}`)).status).toBe(200);
  });

  it('makes a real database owned by a login role that uses db_pass', async () => {
    const { rows } = await db().query(
      `SELECT d.datname, r.rolname AS owner FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = $1`,
      [`project_${project.ref}`],
    );
    expect(rows).toEqual([{ datname: `project_${project.ref}`, owner: `owner_${project.ref}` }]);
    expect(await canConnect(projectUrl(`project_${project.ref}`, `owner_${project.ref}`, TRICKY_PASS))).toBe(true);
    expect(await canConnect(projectUrl(`project_${project.ref}`, `owner_${project.ref}`, 'wrong'))).toMatch(/password authentication failed/);
    // anon survived the password
    expect((await db().query(`SELECT 1 FROM pg_roles WHERE rolname = 'anon'`)).rowCount).toBe(1);
  });

  it("keeps other projects' owners out of its database", async () => {
    const msg = await canConnect(projectUrl(`project_${project.ref}`, `owner_${bobProject.ref}`, 'bob-password-1'));
    expect(msg).toMatch(/permission denied for database/);
  });

  it('gives the data API roles usage and default privileges on public', async () => {
    const c = new pg.Client({ connectionString: projectUrl(`project_${project.ref}`, `owner_${project.ref}`, TRICKY_PASS) });
    await c.connect();
    try {
      await c.query('CREATE TABLE privileges_probe (id int)');
      const { rows } = await c.query(
        `SELECT has_table_privilege('anon', 'privileges_probe', 'SELECT') AS anon, has_table_privilege('service_role', 'privileges_probe', 'INSERT') AS service,
                has_schema_privilege('authenticated', 'public', 'USAGE') AS usage, has_database_privilege(current_database() || '_authenticator', current_database(), 'CONNECT') AS connect,
                to_regprocedure('auth.uid()') IS NOT NULL AS helpers`,
      );
      expect(rows[0]).toEqual({ anon: true, service: true, usage: true, connect: true, helpers: true });
    } finally {
      await c.end();
    }
  });

  it('seals the JWT secret under BASALT_MASTER_KEY; api-keys are signed with it', async () => {
    const { rows } = await db().query('SELECT jwt_secret_sealed FROM basalt.management_projects WHERE ref = $1', [project.ref]);
    const sealed: string = rows[0].jwt_secret_sealed;
    expect(sealed).toMatch(/^v1\./);
    const secret = openWithMasterKey(MASTER, sealed);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(sealed).not.toContain(secret);

    const r = await alice('GET', `/projects/${project.ref}/api-keys`);
    expect(r.status).toBe(200);
    const keys = r.json();
    expect(keys.map((k: { name: string }) => k.name)).toEqual(['anon', 'service_role']);
    for (const k of keys) {
      const { payload } = await jwtVerify(k.api_key, new TextEncoder().encode(secret));
      expect(payload).toMatchObject({ role: k.name, ref: project.ref, iss: 'basalt' });
    }
    // Stable: the same keys every time.
    expect((await alice('GET', `/projects/${project.ref}/api-keys`)).json()).toEqual(keys);
    // Another project's keys are different.
    const theirs = (await bob('GET', `/projects/${bobProject.ref}/api-keys`)).json();
    expect(decodeJwt(theirs[0].api_key).ref).toBe(bobProject.ref);
    expect(theirs[0].api_key).not.toBe(keys[0].api_key);
  });

  it('lists and gets only projects of organizations the token belongs to', async () => {
    const list = await alice('GET', '/projects');
    expect(list.status).toBe(200);
    const refs = list.json().map((p: { ref: string }) => p.ref);
    expect(refs).toContain(project.ref);
    expect(refs).not.toContain(bobProject.ref);
    const mine = list.json().find((p: { ref: string }) => p.ref === project.ref);
    expect(Object.keys(mine).sort()).toEqual(['created_at', 'database', 'id', 'name', 'organization_id', 'ref', 'region', 'status']);
    const one = await alice('GET', `/projects/${project.ref}`);
    expect(one.status).toBe(200);
    expect(one.json()).toEqual(mine);
  });

  it("answers 404 for another organization's project, on every route, and leaves it alone", async () => {
    for (const [method, path] of [
      ['GET', ''],
      ['DELETE', ''],
      ['GET', '/api-keys'],
      ['GET', '/types/typescript'],
    ]) {
      const r = await alice(method, `/projects/${bobProject.ref}${path}`);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.json()).toEqual({ message: 'Project not found' });
    }
    expect((await bob('GET', `/projects/${bobProject.ref}`)).json().status).toBe('ACTIVE_HEALTHY');
  });

  it('answers 400 for a malformed ref and 404 for an unknown one', async () => {
    for (const ref of ['short', 'ABCDEFGHIJKLMNOPQRST', 'abcdefghijklmnopqrs1', 'abcdefghijklmnopqrstu']) {
      const r = await alice('GET', `/projects/${ref}`);
      expect(r.status, ref).toBe(400);
      expect(r.json().message).toMatch(/20 lowercase letters/);
    }
    const r = await alice('GET', '/projects/zzzzzzzzzzzzzzzzzzzz');
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({ message: 'Project not found' });
  });

  it.each([
    ['no body', undefined, 400, /name/],
    ['no name', { organization_slug: 'x', db_pass: PASS }, 400, /name/],
    ['no db_pass', { name: 'n', organization_slug: 'x' }, 400, /db_pass/],
    ['an empty db_pass', { name: 'n', organization_slug: 'x', db_pass: '' }, 400, /db_pass/],
    ['no organization', { name: 'n', db_pass: PASS }, 400, /organization_slug/],
    ['a numeric name', { name: 5, organization_slug: 'x', db_pass: PASS }, 400, /name/],
    ['a long region', { name: 'n', organization_slug: 'x', db_pass: PASS, region: 'r'.repeat(65) }, 400, /region/],
    ['two different organizations', { name: 'n', organization_slug: 'aaaaaaaaaaaaaaaaaaaa', organization_id: 'bbbbbbbbbbbbbbbbbbbb', db_pass: PASS }, 400, /different/],
    ['an unknown organization', { name: 'n', organization_slug: 'aaaaaaaaaaaaaaaaaaaa', db_pass: PASS }, 404, /Organization not found/],
  ])('refuses a create with %s', async (_what, body, status, message) => {
    // A token of its own: these calls would otherwise eat into alice's 120 requests a minute.
    validator ??= v1((await newToken('projects-test validation')).token);
    const r = await validator('POST', '/projects', { body });
    expect(r.status).toBe(status);
    expect(Object.keys(r.json())).toEqual(['message']);
    expect(r.json().message).toMatch(message);
  });

  it("refuses to create a project in another user's organization", async () => {
    const before = (await db().query('SELECT count(*)::int AS n FROM basalt.management_projects WHERE organization_id = $1', [bobOrg.id])).rows[0].n;
    const r = await alice('POST', '/projects', { body: { name: 'intruder', organization_slug: bobOrg.slug, db_pass: PASS } });
    expect(r.status).toBe(404);
    // The same answer as for an organization that does not exist: nothing tells Alice Bob's exists.
    expect(r.json()).toEqual({ message: 'Organization not found' });
    const after = (await db().query('SELECT count(*)::int AS n FROM basalt.management_projects WHERE organization_id = $1', [bobOrg.id])).rows[0].n;
    expect(after).toBe(before);
  });

  it('refuses bad JSON with 400', async () => {
    const r = await alice('POST', '/projects', { raw: '{"name":' });
    expect(r.status).toBe(400);
    expect(r.json().message).toMatch(/JSON/);
  });

  it('deletes a project: 200 {id, ref, name}, the database and role are gone', async () => {
    const p = await newProject(alice, aliceOrg.slug, 'doomed', PASS);
    // An open connection to it does not stop the drop.
    const holder = new pg.Client({ connectionString: projectUrl(`project_${p.ref}`, `owner_${p.ref}`, PASS) });
    holder.on('error', () => {});
    await holder.connect();
    const r = await alice('DELETE', `/projects/${p.ref}`);
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ id: p.ref, ref: p.ref, name: 'doomed' });
    expect((await db().query('SELECT 1 FROM pg_database WHERE datname = $1', [`project_${p.ref}`])).rowCount).toBe(0);
    expect((await db().query('SELECT 1 FROM pg_roles WHERE rolname = $1', [`owner_${p.ref}`])).rowCount).toBe(0);
    expect((await db().query('SELECT 1 FROM basalt.management_projects WHERE ref = $1', [p.ref])).rowCount).toBe(0);
    for (const after of [await alice('GET', `/projects/${p.ref}`), await alice('DELETE', `/projects/${p.ref}`)]) {
      expect(after.status).toBe(404);
      expect(after.json()).toEqual({ message: 'Project not found' });
    }
    await holder.end().catch(() => {});
  });
});

async function newProjectReady(call: V1, ref: string) {
  for (let i = 0; i < 240; i++) {
    const p = (await call('GET', `/projects/${ref}`)).json();
    if (p.status !== 'COMING_UP') return p;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`project ${ref} still COMING_UP`);
}

describe('/v1/projects without BASALT_MASTER_KEY', () => {
  let api: Started;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startProcess('src/api/main.ts', { ...process.env, ...testEnv({ databaseUrl, redisUrl, port }), BASALT_MASTER_KEY: undefined });
    await whenReady(api);
  }, 60_000);
  afterAll(async () => {
    if (api) await stopProcess(api);
  });

  it('answers 503 {message} where a secret must be sealed or opened, and nothing is created', async () => {
    const t = await newToken('projects-test nokey');
    const headers = { Authorization: `Bearer ${t.token}`, 'Content-Type': 'application/json' };
    const org = (await (await fetch(`${base}/v1/organizations`, { method: 'POST', headers, body: JSON.stringify({ name: 'nokey org' }) })).json()) as { slug: string };
    const r = await fetch(`${base}/v1/projects`, { method: 'POST', headers, body: JSON.stringify({ name: 'nokey', organization_slug: org.slug, db_pass: PASS }) });
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ message: 'BASALT_MASTER_KEY is not configured' });
    const { rows } = await db().query('SELECT count(*)::int AS n FROM basalt.management_projects WHERE organization_id = $1', [org.slug]);
    expect(rows[0].n).toBe(0);
  });
});
