/** /api/project/:schema/keys (contract: shared/seeds/selfhosted-admin-api.md, "API Keys"). */
import { Router } from 'express';
import { z } from 'zod';
import pg from 'pg';
import { isSystemSchema } from '../../shared/sql/system-schemas.ts';
import { fail } from '../../shared/errors.ts';
import { newKey } from '../auth/api-keys.ts';
import type { Services } from '../services.ts';
import { pgErrorKind } from '../../shared/db/sqlstate.ts';
import { catalog } from '../../shared/catalog/index.ts';

export const keyCreateBody = z.object({
  keyName: z.string({ error: 'keyName is required' }).trim().min(1, 'keyName is required').max(100),
  keyType: z.enum(['anon', 'service_role']).default('anon'),
});

export function keyRoutes(s: Services): Router {
  const r = Router();

  /** The schema must exist and not be a system one; the name is checked against the catalog, never interpolated. */
  async function checkSchema(name: string): Promise<string> {
    if (!name || name.length > 63 || isSystemSchema(name)) throw fail('INVALID_SCHEMA', `Invalid schema name '${name.slice(0, 63)}'`);
    const { rows } = await s.pool.query<{ exists: boolean }>(catalog.schemaExists, [name]);
    if (!rows[0].exists) throw fail('INVALID_SCHEMA', `Schema '${name}' does not exist`);
    return name;
  }
  // Other instances learn about new or removed keyed schemas through a schema reload.
  const announce = () => s.pool.query(`NOTIFY pgrst, 'reload schema'`);

  r.get('/:schema/keys', async (req, res) => {
    const schema = await checkSchema(req.params.schema);
    const { rows } = await s.pool.query(
      `SELECT id::int AS id, key_name, key_type, key_prefix, created_at, last_used_at, is_active
         FROM basalt.api_keys WHERE schema_name = $1 ORDER BY id`,
      [schema],
    );
    res.json(rows);
  });

  r.post('/:schema/keys', async (req, res) => {
    const schema = await checkSchema(req.params.schema);
    const parsed = keyCreateBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fail('VALIDATION_ERROR', parsed.error.issues.map((i) => i.message).join('; '));
    const { key, prefix, hash } = newKey();
    try {
      const { rows } = await s.pool.query<{ id: number; created_at: Date }>(
        `INSERT INTO basalt.api_keys (schema_name, key_name, key_type, key_prefix, key_hash)
         VALUES ($1, $2, $3, $4, $5) RETURNING id::int AS id, created_at`,
        [schema, parsed.data.keyName, parsed.data.keyType, prefix, hash],
      );
      await announce();
      res.status(201).json({
        id: rows[0].id,
        key,
        keyPrefix: prefix,
        keyName: parsed.data.keyName,
        keyType: parsed.data.keyType,
        schemaName: schema,
        createdAt: rows[0].created_at,
      });
    } catch (e) {
      if (pgErrorKind(e) === 'unique_violation') {
        throw fail('VALIDATION_ERROR', `An API key named '${parsed.data.keyName}' already exists for schema '${schema}'`);
      }
      throw e;
    }
  });

  r.delete('/:schema/keys/:keyId', async (req, res) => {
    const schema = await checkSchema(req.params.schema);
    if (!/^\d{1,18}$/.test(req.params.keyId)) throw fail('VALIDATION_ERROR', 'keyId must be a number');
    const { rows } = await s.pool.query<{ key_name: string }>(
      'DELETE FROM basalt.api_keys WHERE schema_name = $1 AND id = $2 RETURNING key_name',
      [schema, req.params.keyId],
    );
    if (!rows[0]) throw fail('KEY_NOT_FOUND', `API key ${req.params.keyId} not found in schema '${schema}'`);
    s.apiKeys.forget();
    await announce();
    res.json({ success: true, message: `API key "${rows[0].key_name}" deleted successfully` });
  });

  return r;
}
