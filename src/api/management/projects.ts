/**
 * /v1/projects: projects are real databases. Create answers 201 at once with status
 * COMING_UP; the database is made in the background and the row says ACTIVE_HEALTHY (or
 * INIT_FAILED) when done, so a GET always shows the truth.
 */
import { randomBytes } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { requireMasterKey, sealWithMasterKey } from '../../shared/crypto/master-key.ts';
import { memberOrganization } from '../../shared/management/organizations.ts';
import { REF_FORMAT, newRef } from '../../shared/management/refs.ts';
import { DB_PASS_RULE, isStrongDbPassword } from '../../shared/management/db-password.ts';
import {
  findMemberProject,
  listMemberProjects,
  projectDbName,
  projectJwtSecret,
  projectOwnerRole,
  setProjectStatus,
  type ManagementProject,
} from '../../shared/management/projects.ts';
import { dropProject, insertProject, provisionProjectDatabase } from '../../shared/management/project-database.ts';
import { projectApiKeys } from '../../shared/management/project-keys.ts';
import { parseBody } from './body.ts';
import { notFound } from './errors.ts';
import { fail } from '../../shared/errors.ts';
import type { Services } from '../services.ts';
import { pgErrorKind } from '../../shared/db/sqlstate.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** The project of a /v1/projects/:ref request (set by loadProject). */
      project?: ManagementProject;
    }
  }
}

const noNul = (s: string) => !s.includes('\0');
export const projectCreateBody = z
  .object({
    name: z.string({ error: 'name is required and must be a string' }).trim().min(1, 'name must not be empty').max(256, 'name is at most 256 characters').refine(noNul, 'name must not contain NUL'),
    organization_id: z.string({ error: 'organization_id must be a string' }).optional(),
    organization_slug: z.string({ error: 'organization_slug must be a string' }).optional(),
    db_pass: z
      .string({ error: 'db_pass is required and must be a string' })
      .min(1, 'db_pass must not be empty')
      .max(1024, 'db_pass is at most 1024 characters')
      .refine(noNul, 'db_pass must not contain NUL')
      .refine(isStrongDbPassword, DB_PASS_RULE),
    region: z.string({ error: 'region must be a string' }).trim().min(1, 'region must not be empty').max(64, 'region is at most 64 characters').refine(noNul, 'region must not contain NUL').optional(),
  })
  .refine((b) => b.organization_id !== undefined || b.organization_slug !== undefined, 'organization_slug (or organization_id) is required')
  .refine((b) => !(b.organization_id && b.organization_slug && b.organization_id !== b.organization_slug), 'organization_id and organization_slug name different organizations');

const DEFAULT_REGION = 'local';

/** Supabase's project object, plus ref and status. */
export async function projectView(s: Services, p: ManagementProject) {
  return {
    id: p.ref,
    ref: p.ref,
    organization_id: p.organizationId,
    name: p.name,
    region: p.region,
    created_at: p.createdAt.toISOString(),
    status: p.status,
    database: { host: new URL(s.config.DATABASE_URL).hostname, version: await s.serverVersion() },
  };
}

/**
 * /v1/projects/:ref/*: a malformed ref is 400; an unknown project, and a project of an
 * organization the token's owner is not in, are both 404 (as Supabase answers for a token
 * and ref that do not go together), so refs of other organizations are not revealed.
 */
export function loadProject(s: Services): RequestHandler {
  return async (req, res, next) => {
    const ref = String(req.params.ref ?? '');
    if (!REF_FORMAT.test(ref)) throw fail('BAD_REQUEST', 'Invalid project ref: expected 20 lowercase letters');
    const p = await findMemberProject(s.pool, res.locals.token!.owner, ref);
    if (!p) throw notFound('Project not found');
    res.locals.project = p;
    next();
  };
}

/** 409 unless the project's database is ready (types, anything that connects to it). */
export function requireActive(p: ManagementProject): void {
  if (p.status !== 'ACTIVE_HEALTHY') throw fail('CONFLICT', `Project ${p.ref} is ${p.status}; try again once it is ACTIVE_HEALTHY`);
}

/** GET/POST /v1/projects (mounted on the /v1 router). */
export function projectListRoutes(s: Services): Router {
  const r = Router();
  const runtimes = s.projectRuntimes;

  r.get('/projects', async (_req, res) => {
    const rows = await listMemberProjects(s.pool, res.locals.token!.owner);
    res.json(await Promise.all(rows.map((p) => projectView(s, p))));
  });

  r.post('/projects', async (req, res) => {
    const b = parseBody(projectCreateBody, req.body);
    const org = await memberOrganization(s.pool, res.locals.token!.owner, (b.organization_slug ?? b.organization_id)!);
    if (!org) throw notFound('Organization not found');
    requireMasterKey(s.config);
    const jwtSecret = randomBytes(32).toString('base64url');
    let project: ManagementProject | undefined;
    for (let attempt = 0; !project; attempt++) {
      const ref = newRef();
      try {
        project = await insertProject(
          s.pool,
          { ref, organizationId: org.id, name: b.name, region: b.region ?? DEFAULT_REGION, dbName: projectDbName(ref), ownerRole: projectOwnerRole(ref), jwtSecretSealed: sealWithMasterKey(s.config, jwtSecret) },
          b.db_pass,
        );
      } catch (e) {
        // A ref (or a leftover role of that name) already taken: draw another.
        const kind = pgErrorKind(e);
        if ((kind === 'unique_violation' || kind === 'duplicate_object') && attempt < 3) continue;
        throw e;
      }
    }
    const p = project;
    runtimes.track(
      p.ref,
      provisionProjectDatabase(s.pool, s.config, p).then(
        () => req.log?.info({ project: p.ref }, 'project database ready'),
        (e) => s.log.error({ project: p.ref, err: (e as Error).message }, 'project database could not be created'),
      ),
    );
    res.status(201).json(await projectView(s, p));
  });

  return r;
}

/** GET/DELETE /v1/projects/:ref and /api-keys (mounted after loadProject). */
export function projectItemRoutes(s: Services): Router {
  const r = Router({ mergeParams: true });
  const runtimes = s.projectRuntimes;

  r.get('/', async (_req, res) => {
    res.json(await projectView(s, res.locals.project!));
  });

  r.delete('/', async (_req, res) => {
    const p = res.locals.project!;
    await setProjectStatus(s.pool, p.ref, 'GOING_DOWN');
    await runtimes.settled(p.ref);
    // Pools here and on other instances first, then the database (FORCE ends what is left).
    await runtimes.invalidate(p.ref);
    await dropProject(s.pool, p);
    res.json({ id: p.ref, ref: p.ref, name: p.name });
  });

  r.get('/api-keys', async (_req, res) => {
    const p = res.locals.project!;
    requireMasterKey(s.config);
    const keys = await projectApiKeys(projectJwtSecret(s.config, p), p.ref, p.createdAt);
    res.json([
      { name: 'anon', api_key: keys.anon },
      { name: 'service_role', api_key: keys.service_role },
    ]);
  });

  return r;
}
