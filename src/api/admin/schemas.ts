/** Schemas as projects (contract: shared/seeds/selfhosted-admin-api.md, "Schemas (Projects)"). */
import { Router } from 'express';
import { z } from 'zod';
import pg from 'pg';
import { isSystemSchema } from '../../shared/sql/system-schemas.ts';
import { fail } from '../../shared/errors.ts';
import { withTransaction } from '../../shared/db/pool.ts';
import { createSchema, dropSchema } from '../ddl/schema-ddl.ts';
import { dropOwnedBy, dropRole } from '../ddl/role-ddl.ts';
import type { Services } from '../services.ts';
import { dropSchemaTenantRoles, provisionSchemaTenant, schemaTenant, TENANT_SCHEMA_MAX } from '../../shared/tenants/schema-tenants.ts';
import { pgErrorKind } from '../../shared/db/sqlstate.ts';
import { catalog } from '../../shared/catalog/index.ts';

/** Schemas no project may take or drop: the system ones, public, and auth (the data API's helpers). */
const isSystem = (name: string) => isSystemSchema(name) || name === 'public' || name === 'auth';

export const createSchemaBody = z.object({
  // The tenant's roles are named <schema>_authenticated etc., within PostgreSQL's 63.
  schemaName: z
    .string({ error: 'schemaName is required' })
    .regex(
      new RegExp(`^[A-Za-z][A-Za-z0-9_]{0,${TENANT_SCHEMA_MAX - 1}}$`),
      `schemaName must start with a letter and hold only letters, digits and underscores (at most ${TENANT_SCHEMA_MAX})`,
    ),
  // Any character is fine: the password travels as a bind parameter.
  password: z.string({ error: 'password is required' }).min(8, 'password must be at least 8 characters'),
});

export function schemaRoutes(s: Services): Router {
  const r = Router();

  r.get('/schemas', async (_req, res) => {
    const { rows } = await s.pool.query<{ nspname: string }>(catalog.userSchemas);
    res.json(rows.map((x) => x.nspname));
  });

  r.post('/schema/create', async (req, res) => {
    const parsed = createSchemaBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fail('VALIDATION_ERROR', parsed.error.issues.map((i) => i.message).join('; '));
    const { schemaName, password } = parsed.data;
    if (isSystem(schemaName)) throw fail('VALIDATION_ERROR', `'${schemaName}' is a reserved schema name`);
    const username = `${schemaName}_user`;
    try {
      await withTransaction(s.pool, async (c) => {
        await c.query('SELECT basalt.create_login_role($1, $2)', [username, password]);
        for (const sql of createSchema({ name: schemaName, owner: username })) await c.query(sql);
        // The tenant's own login and data-API roles; the server-wide ones get nothing here.
        await provisionSchemaTenant(c, s.config, schemaTenant(schemaName, username));
        await c.query('INSERT INTO basalt.projects (schema_name, username) VALUES ($1, $2)', [schemaName, username]);
      });
    } catch (e) {
      if (['duplicate_schema', 'duplicate_object', 'unique_violation'].includes(pgErrorKind(e) ?? '')) {
        throw fail('VALIDATION_ERROR', `Schema "${schemaName}" or role "${username}" already exists`);
      }
      throw e;
    }
    // The DDL trigger reloads every instance's schema cache; projects are exposed on reload.
    res.status(201).json({ success: true, message: `Schema "${schemaName}" created successfully with dedicated user`, username });
  });

  r.delete('/schema/:schemaName', async (req, res) => {
    const name = req.params.schemaName;
    if (isSystem(name)) throw fail('VALIDATION_ERROR', `'${name}' is a system schema and cannot be deleted`);
    // Each surface parses its own query string (see app.ts).
    const cascade = new URLSearchParams(req.originalUrl.split('?')[1] ?? '').get('cascade') === 'true';
    const exists = await s.pool.query<{ exists: boolean }>(catalog.schemaExists, [name]);
    if (!exists.rows[0].exists) throw fail('SCHEMA_NOT_FOUND', `Schema "${name}" does not exist`);
    try {
      await withTransaction(s.pool, async (c) => {
        const project = await c.query<{ username: string }>('DELETE FROM basalt.projects WHERE schema_name = $1 RETURNING username', [name]);
        await c.query('DELETE FROM basalt.api_keys WHERE schema_name = $1', [name]);
        for (const sql of dropSchema(name, cascade)) await c.query(sql);
        const user = project.rows[0]?.username;
        if (user) {
          await dropSchemaTenantRoles(c, schemaTenant(name, user));
          for (const sql of [...dropOwnedBy(user), ...dropRole(user)]) await c.query(sql);
        }
      });
    } catch (e) {
      if (e instanceof pg.DatabaseError && pgErrorKind(e) === 'dependent_objects') {
        throw fail('VALIDATION_ERROR', `Schema "${name}" is not empty; delete it with ?cascade=true`);
      }
      throw e;
    }
    s.apiKeys.forget();
    await s.tenantPools.forget(name);
    res.json({ success: true, message: `Schema "${name}" deleted successfully` });
  });

  return r;
}
