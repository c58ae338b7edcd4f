import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type pg from 'pg';
import { fail } from '../../shared/errors.ts';
import { withTransaction } from '../../shared/db/pool.ts';
import { pgMetaSql } from './sql/index.ts';
import { findById, getById, listCatalog, type CatalogName, type Row } from './catalog.ts';
import { createSchema, dropSchema, updateSchema } from '../ddl/schema-ddl.ts';
import { createTable, dropTable, updateTable, type TableChange } from '../ddl/table-ddl.ts';
import { addColumn, dropColumn, updateColumn, type ColumnDefault } from '../ddl/column-ddl.ts';
import { createPolicy, dropPolicy, updatePolicy } from '../ddl/policy-ddl.ts';
import { createRole, dropRole, updateRole } from '../ddl/role-ddl.ts';
import { createExtension, dropExtension, updateExtension } from '../ddl/extension-ddl.ts';
import { createFunction, dropFunction, updateFunctionName } from '../ddl/function-ddl.ts';
import { expression, functionArgument, returnType, trustedSql, typeName, type CheckedSql } from '../ddl/sql-fragments.ts';
import { fromDatabaseError } from './errors.ts';
import { boolParam, columnIdParam, oidParam, searchParams } from './params.ts';
import { dbOf } from './catalog-routes.ts';

/**
 * Create, update and delete for tables, columns, schemas, policies, roles, extensions and
 * functions, with postgres-meta's bodies. Each body is mapped here onto the DDL builders'
 * model (src/api/ddl/), its SQL fragments checked by the parser (sql-fragments.ts). Each
 * request runs in one transaction: the DDL, then the object read back in postgres-meta's
 * shape. A database error is the caller's: 400 with PostgreSQL's message and fields.
 */

function body<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  const parsed = schema.safeParse(req.body ?? {});
  if (!parsed.success) {
    throw fail('VALIDATION_ERROR', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

const cascadeOf = (req: Request) => boolParam(searchParams(req), ['cascade'], false);

async function inTransaction(res: Response, fn: (c: pg.PoolClient) => Promise<Row>): Promise<void> {
  try {
    res.json(await withTransaction(dbOf(res), fn));
  } catch (e) {
    throw fromDatabaseError(e) ?? e;
  }
}

async function run(c: pg.PoolClient, statements: string[]): Promise<void> {
  for (const s of statements) await c.query(s);
}

/** The one object matching the given columns, after it was created or renamed. */
async function findOne(c: pg.PoolClient, name: CatalogName, equals: Record<string, string | number>): Promise<Row> {
  const [row] = await listCatalog(c, name, { includeSystemSchemas: true, equals, limit: 1 });
  if (!row) throw fail('NOT_FOUND', `Cannot find the ${name.replace(/s$/, '')} after changing it`);
  return row;
}

const str = z.string().min(1);
const behavior = z.enum(['IMMUTABLE', 'STABLE', 'VOLATILE']);
const defaultFormat = z.enum(['expression', 'literal']);
const identityGeneration = z.enum(['BY DEFAULT', 'ALWAYS']);

const schemaCreate = z.object({ name: str, owner: str.optional() });
const schemaUpdate = z.object({ name: str.optional(), owner: str.optional() });
const tableCreate = z.object({ name: str, schema: str.default('public'), comment: z.string().optional() });
const tableUpdate = z.object({
  name: str.optional(),
  schema: str.optional(),
  rls_enabled: z.boolean().optional(),
  rls_forced: z.boolean().optional(),
  replica_identity: z.enum(['DEFAULT', 'INDEX', 'FULL', 'NOTHING']).optional(),
  replica_identity_index: str.optional(),
  primary_keys: z.array(z.object({ name: str })).optional(),
  comment: z.string().optional(),
});
const columnCreate = z.object({
  table_id: z.number().int().positive(),
  name: str,
  type: str,
  default_value: z.unknown().optional(),
  default_value_format: defaultFormat.optional(),
  is_identity: z.boolean().optional(),
  identity_generation: identityGeneration.optional(),
  is_nullable: z.boolean().optional(),
  is_primary_key: z.boolean().optional(),
  is_unique: z.boolean().optional(),
  comment: z.string().optional(),
  check: z.string().optional(),
});
const columnUpdate = z.object({
  name: str.optional(),
  type: str.optional(),
  drop_default: z.boolean().optional(),
  default_value: z.unknown().optional(),
  default_value_format: defaultFormat.optional(),
  is_identity: z.boolean().optional(),
  identity_generation: identityGeneration.optional(),
  is_nullable: z.boolean().optional(),
  is_unique: z.boolean().optional(),
  comment: z.string().optional(),
  check: z.string().nullable().optional(),
});
const policyCreate = z.object({
  name: str,
  table: str,
  schema: str.default('public'),
  definition: z.string().optional(),
  check: z.string().optional(),
  action: z.enum(['PERMISSIVE', 'RESTRICTIVE']).default('PERMISSIVE'),
  command: z.enum(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'ALL']).default('ALL'),
  roles: z.array(str).default(['public']),
});
const policyUpdate = z.object({ name: str.optional(), definition: z.string().optional(), check: z.string().optional(), roles: z.array(str).optional() });
const roleAttributes = {
  password: z.string().optional(),
  inherit_role: z.boolean().optional(),
  can_login: z.boolean().optional(),
  is_superuser: z.boolean().optional(),
  can_create_db: z.boolean().optional(),
  can_create_role: z.boolean().optional(),
  is_replication_role: z.boolean().optional(),
  can_bypass_rls: z.boolean().optional(),
  connection_limit: z.number().int().min(-1).optional(),
  valid_until: z.string().optional(),
};
const roleCreate = z.object({
  name: str,
  ...roleAttributes,
  member_of: z.array(str).optional(),
  members: z.array(str).optional(),
  admins: z.array(str).optional(),
  config: z.record(z.string(), z.string()).optional(),
});
const roleUpdate = z.object({
  name: str.optional(),
  ...roleAttributes,
  config: z.array(z.object({ op: z.enum(['add', 'replace', 'remove']), path: str, value: z.string().optional() })).optional(),
});
const extensionCreate = z.object({ name: str, schema: str.optional(), version: str.optional(), cascade: z.boolean().optional() });
const extensionUpdate = z.object({ update: z.boolean().optional(), version: str.optional(), schema: str.optional() });
const functionCreate = z.object({
  name: str,
  schema: str.default('public'),
  args: z.array(str).default([]),
  definition: z.string(),
  return_type: str.default('void'),
  language: str.default('sql'),
  behavior: behavior.default('VOLATILE'),
  security_definer: z.boolean().default(false),
  config_params: z.record(z.string(), z.string()).optional(),
});
const functionUpdate = z.object({ name: str.optional(), schema: str.optional(), definition: z.string().optional() });

const s = (v: unknown) => String(v);

type DefaultFormat = z.infer<typeof defaultFormat>;

/** postgres-meta's default_value: a literal (strings as given, anything else as JSON text), or a checked expression. */
async function columnDefault(value: unknown, format: DefaultFormat | undefined): Promise<ColumnDefault> {
  if (format === 'expression') {
    if (typeof value !== 'string') throw fail('VALIDATION_ERROR', 'default_value must be a string when default_value_format is expression');
    return { kind: 'expression', sql: await expression(value, 'default_value') };
  }
  if (value === null) return { kind: 'null' };
  return { kind: 'literal', value: typeof value === 'string' ? value : JSON.stringify(value) };
}

const checkedOrNone = async (text: string | undefined, what: string) => (text ? expression(text, what) : undefined);

function tableChange(b: z.infer<typeof tableUpdate>): TableChange {
  return {
    name: b.name,
    schema: b.schema,
    rls: { enabled: b.rls_enabled, forced: b.rls_forced },
    replicaIdentity: b.replica_identity === undefined ? undefined : b.replica_identity === 'INDEX' ? { kind: 'INDEX', index: b.replica_identity_index } : { kind: b.replica_identity },
    primaryKey: b.primary_keys?.map((k) => k.name),
    comment: b.comment,
  };
}

export function writeRoutes(): Router {
  const r = Router();

  // ---- schemas
  r.post('/schemas', async (req, res) => {
    const b = body(schemaCreate, req);
    await inTransaction(res, async (c) => (await run(c, createSchema(b)), findOne(c, 'schemas', { name: b.name })));
  });
  r.patch('/schemas/:id', async (req, res) => {
    const id = oidParam(req.params.id, 'schema');
    const b = body(schemaUpdate, req);
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'schemas', id);
      await run(c, updateSchema(s(cur.name), b));
      return getById(c, 'schemas', id);
    });
  });
  r.delete('/schemas/:id', async (req, res) => {
    const id = oidParam(req.params.id, 'schema');
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'schemas', id);
      await run(c, dropSchema(s(cur.name), cascadeOf(req)));
      return cur;
    });
  });

  // ---- tables
  r.post('/tables', async (req, res) => {
    const b = body(tableCreate, req);
    await inTransaction(res, async (c) => {
      await run(c, createTable({ schema: b.schema, name: b.name, columns: [], comment: b.comment }));
      return { ...(await findOne(c, 'tables', { schema: b.schema, name: b.name })), columns: [] };
    });
  });
  r.patch('/tables/:id', async (req, res) => {
    const id = oidParam(req.params.id, 'table');
    const b = body(tableUpdate, req);
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'tables', id);
      const pk = (await c.query<{ name: string }>(pgMetaSql.primaryKeyConstraint, [id])).rows[0]?.name ?? null;
      await run(c, updateTable({ schema: s(cur.schema), name: s(cur.name), pkConstraint: pk }, tableChange(b)));
      return getById(c, 'tables', id);
    });
  });
  r.delete('/tables/:id', async (req, res) => {
    const id = oidParam(req.params.id, 'table');
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'tables', id);
      await run(c, dropTable(s(cur.schema), s(cur.name), cascadeOf(req)));
      return cur;
    });
  });

  // ---- columns
  r.post('/columns', async (req, res) => {
    const b = body(columnCreate, req);
    await inTransaction(res, async (c) => {
      const table = await findById(c, 'tables', b.table_id);
      if (!table) throw fail('NOT_FOUND', `Cannot find a table with ID ${b.table_id}`);
      const column = {
        name: b.name,
        type: await typeName(b.type),
        identity: b.is_identity ? (b.identity_generation ?? 'BY DEFAULT') : undefined,
        default: b.default_value !== undefined ? await columnDefault(b.default_value, b.default_value_format) : undefined,
        nullable: b.is_nullable,
        primaryKey: b.is_primary_key,
        unique: b.is_unique,
        check: await checkedOrNone(b.check, 'check'),
        comment: b.comment,
      };
      await run(c, addColumn({ schema: s(table.schema), name: s(table.name) }, column));
      return findOne(c, 'columns', { table_id: b.table_id, name: b.name });
    });
  });
  r.patch('/columns/:id', async (req, res) => {
    const id = columnIdParam(req.params.id);
    const b = body(columnUpdate, req);
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'columns', id);
      const [tableId, attnum] = id.split('.');
      const { rows: cons } = await c.query<{ name: string; type: string }>(pgMetaSql.columnConstraints, [tableId, attnum]);
      const change = {
        name: b.name,
        type: b.type !== undefined ? await typeName(b.type) : undefined,
        dropDefault: b.drop_default,
        default: !b.drop_default && b.default_value !== undefined ? await columnDefault(b.default_value, b.default_value_format) : undefined,
        identity: b.is_identity,
        identityGeneration: b.identity_generation,
        nullable: b.is_nullable,
        unique: b.is_unique,
        check: b.check === undefined ? undefined : b.check === null || b.check === '' ? null : await expression(b.check, 'check'),
        comment: b.comment,
      };
      const stmts = updateColumn(
        {
          schema: s(cur.schema),
          table: s(cur.table),
          name: s(cur.name),
          identity: cur.is_identity === true,
          uniqueConstraints: cons.filter((k) => k.type === 'u').map((k) => k.name),
          checkConstraints: cons.filter((k) => k.type === 'c').map((k) => k.name),
        },
        change,
      );
      await run(c, stmts);
      return getById(c, 'columns', id);
    });
  });
  r.delete('/columns/:id', async (req, res) => {
    const id = columnIdParam(req.params.id);
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'columns', id);
      await run(c, dropColumn(s(cur.schema), s(cur.table), s(cur.name), cascadeOf(req)));
      return cur;
    });
  });

  // ---- policies
  r.post('/policies', async (req, res) => {
    const b = body(policyCreate, req);
    await inTransaction(res, async (c) => {
      const policy = { ...b, using: await checkedOrNone(b.definition, 'definition'), withCheck: await checkedOrNone(b.check, 'check') };
      await run(c, createPolicy(policy));
      return findOne(c, 'policies', { schema: b.schema, table: b.table, name: b.name });
    });
  });
  r.patch('/policies/:id', async (req, res) => {
    const id = oidParam(req.params.id, 'policy');
    const b = body(policyUpdate, req);
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'policies', id);
      const change = {
        name: b.name,
        using: b.definition !== undefined ? await expression(b.definition, 'definition') : undefined,
        withCheck: b.check !== undefined ? await expression(b.check, 'check') : undefined,
        roles: b.roles,
      };
      await run(c, updatePolicy({ name: s(cur.name), schema: s(cur.schema), table: s(cur.table) }, change));
      return getById(c, 'policies', id);
    });
  });
  r.delete('/policies/:id', async (req, res) => {
    const id = oidParam(req.params.id, 'policy');
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'policies', id);
      await run(c, dropPolicy(s(cur.name), s(cur.schema), s(cur.table)));
      return cur;
    });
  });

  // ---- roles
  r.post('/roles', async (req, res) => {
    const b = body(roleCreate, req);
    await inTransaction(res, async (c) => (await run(c, createRole(b)), findOne(c, 'roles', { name: b.name })));
  });
  r.patch('/roles/:id', async (req, res) => {
    const id = oidParam(req.params.id, 'role');
    const b = body(roleUpdate, req);
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'roles', id);
      await run(c, updateRole(s(cur.name), b));
      return getById(c, 'roles', id);
    });
  });
  r.delete('/roles/:id', async (req, res) => {
    const id = oidParam(req.params.id, 'role');
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'roles', id);
      await run(c, dropRole(s(cur.name)));
      return cur;
    });
  });

  // ---- extensions (their id is their name)
  r.post('/extensions', async (req, res) => {
    const b = body(extensionCreate, req);
    await inTransaction(res, async (c) => (await run(c, createExtension(b)), findOne(c, 'extensions', { name: b.name })));
  });
  r.patch('/extensions/:name', async (req, res) => {
    const b = body(extensionUpdate, req);
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'extensions', req.params.name);
      await run(c, updateExtension(s(cur.name), b));
      return getById(c, 'extensions', req.params.name);
    });
  });
  r.delete('/extensions/:name', async (req, res) => {
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'extensions', req.params.name);
      if (cur.installed_version === null) throw fail('NOT_FOUND', `Extension ${cur.name} is not installed`);
      await run(c, dropExtension(s(cur.name), cascadeOf(req)));
      return cur;
    });
  });

  // ---- functions
  const signature = (f: Row) => ({ schema: s(f.schema), name: s(f.name), identityArgs: s(f.identity_argument_types) });
  r.post('/functions', async (req, res) => {
    const b = body(functionCreate, req);
    const args: CheckedSql[] = [];
    for (const a of b.args) args.push(await functionArgument(a));
    const statement = createFunction({
      name: b.name,
      schema: b.schema,
      args,
      returns: await returnType(b.return_type),
      definition: b.definition,
      language: b.language,
      behavior: b.behavior,
      securityDefiner: b.security_definer,
      config: b.config_params,
    });
    await inTransaction(res, async (c) => {
      const before = new Set((await listCatalog(c, 'functions', { includeSystemSchemas: true, equals: { schema: b.schema, name: b.name } })).map((f) => f.id));
      await run(c, [statement]);
      const after = await listCatalog(c, 'functions', { includeSystemSchemas: true, equals: { schema: b.schema, name: b.name } });
      const created = after.find((f) => !before.has(f.id));
      if (!created) throw fail('INTERNAL_ERROR', 'The created function was not found');
      return created;
    });
  });
  r.patch('/functions/:id', async (req, res) => {
    const id = oidParam(req.params.id, 'function');
    const b = body(functionUpdate, req);
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'functions', id);
      const stmts: string[] = [];
      if (b.definition !== undefined) {
        // Same signature and attributes, new body: CREATE OR REPLACE keeps the function's id.
        const config = (cur.config_params ?? undefined) as Record<string, string> | undefined;
        stmts.push(
          createFunction(
            {
              name: s(cur.name),
              schema: s(cur.schema),
              // The current argument list as PostgreSQL prints it.
              args: [trustedSql(s(cur.argument_types))],
              returns: await returnType(s(cur.return_type)),
              definition: b.definition,
              language: s(cur.language),
              behavior: cur.behavior as 'VOLATILE',
              securityDefiner: cur.security_definer === true,
              config,
            },
            true,
          ),
        );
      }
      stmts.push(...updateFunctionName(signature(cur), b));
      await run(c, stmts);
      return getById(c, 'functions', id);
    });
  });
  r.delete('/functions/:id', async (req, res) => {
    const id = oidParam(req.params.id, 'function');
    await inTransaction(res, async (c) => {
      const cur = await getById(c, 'functions', id);
      await run(c, dropFunction(signature(cur), cascadeOf(req)));
      return cur;
    });
  });

  return r;
}

/** The request bodies above, for the OpenAPI document (src/api/openapi/postgres-admin-api.ts). */
export const pgMetaBodies = {
  schemaCreate,
  schemaUpdate,
  tableCreate,
  tableUpdate,
  columnCreate,
  columnUpdate,
  policyCreate,
  policyUpdate,
  roleCreate,
  roleUpdate,
  extensionCreate,
  extensionUpdate,
  functionCreate,
  functionUpdate,
};
