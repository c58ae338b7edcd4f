/**
 * GET /table/:tableName/export?format=json|csv&limit=&schema= (contract: the seed's
 * "Tables"). Up to EXPORT_SYNC_MAX rows (the seed's cap, also the default limit) are
 * streamed straight from COPY … TO STDOUT: memory stays flat whatever the row sizes.
 * The count and the rows come from one REPEATABLE READ snapshot, so JSON can carry
 * `count` before `data` and the two agree.
 *
 * A larger limit is not refused: it becomes an export job on the export queue (the
 * Database API's export, run by the workers), answered at once with 202, Location
 * /api/jobs/:id and the job status; the file is then read from GET /api/jobs/:id/result
 * (JSON of the form {"<table>": [rows…]}). The export job writes JSON or SQL, not CSV, so
 * CSV above the cap is refused with 400.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { to as copyTo } from 'pg-copy-streams';
import { fail } from '../../shared/errors.ts';
import { withTransaction, type PoolClient } from '../../shared/db/pool.ts';
import { runJob } from '../jobs/respond.ts';
import { exportPayload } from '../../shared/jobs/payloads/export.ts';
import { CopyTextRows } from '../../shared/db/copy-text.ts';
import { qualified } from '../../shared/sql/ident.ts';
import type { Services } from '../services.ts';
import { positiveInt } from './table-rows.ts';
import { queryOf, requireTable, rowOrder, schemaTransaction, targetSchema } from './table-target.ts';
import { becomeOwner } from '../../shared/tenants/tenant-pools.ts';
import { projectOwner, schemaTenant } from '../../shared/tenants/schema-tenants.ts';

export const EXPORT_SYNC_MAX = 10_000;
/** Upper bound for an export job's row limit (a sanity bound, not a product limit). */
const EXPORT_JOB_MAX = 1e12;

const noData = (table: string) => fail('NO_DATA', `No data to export: table "${table}" is empty`);

export function tableExportRoutes(s: Services): Router {
  const r = Router();

  r.get('/table/:tableName/export', async (req, res) => {
    const schema = await targetSchema(s.pool, req);
    const q = queryOf(req);
    const format = q.get('format') || 'json';
    if (format !== 'json' && format !== 'csv') throw fail('VALIDATION_ERROR', `format must be json or csv, got '${format.slice(0, 20)}'`);
    const limit = positiveInt(q.get('limit'), 'limit', EXPORT_SYNC_MAX, EXPORT_JOB_MAX);
    const table = await requireTable(s.pool, schema, req.params.tableName, false);
    const rel = qualified(schema, table.name);
    const select = `SELECT * FROM ${rel}${rowOrder(table)} LIMIT ${Number(limit)}`;

    if (limit > EXPORT_SYNC_MAX) {
      const { rowCount } = await schemaTransaction(s, schema, (c) => c.query(`SELECT 1 FROM ${rel} LIMIT 1`));
      if (!rowCount) throw noData(table.name);
      // Always answered at once: the file is read from GET /api/jobs/:id/result.
      return runJob(s, req, res, 'export', exportPayload.parse({ schema, tables: [table.name], format, includeData: true, rowLimit: limit }), { respondAsync: true });
    }

    // A project schema's table (or view) is read in its tenant's own session, as its owner.
    const owner = await projectOwner(s.pool, schema);
    let copying = false;
    const setup = owner ? (c: PoolClient) => becomeOwner(c, schemaTenant(schema, owner)) : undefined;
    // A connection left mid-COPY (client gone, error) is discarded, not pooled.
    await withTransaction(owner ? s.tenantPools.work(schema) : s.pool, async (client) => {
      const { rows } = await client.query<{ count: number }>(`SELECT count(*)::int AS count FROM (${select}) x`);
      const count = rows[0].count;
      if (count === 0) throw noData(table.name);
      const filename = `${table.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.${format}`;
      copying = true;
      res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
      if (format === 'csv') {
        res.status(200).type('text/csv; charset=utf-8');
        await pipeline(client.query(copyTo(`COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`)), res);
      } else {
        // `x.*` is a whole-row reference to the subquery, never a column: a bare `x` would
        // resolve to a column named x first (and row_to_json of an int fails mid-COPY).
        const copy = client.query(copyTo(`COPY (SELECT row_to_json(x.*) FROM (${select}) x) TO STDOUT`));
        const rowsOut = copy.pipe(new CopyTextRows());
        copy.on('error', (e) => rowsOut.destroy(e));
        // Rows are gathered into ~64 KiB chunks: one write per row costs more than the rows.
        async function* body(): AsyncGenerator<string> {
          let chunk = `{"table":${JSON.stringify(table.name)},"count":${count},"data":[`;
          let first = true;
          for await (const row of rowsOut) {
            chunk += (first ? '' : ',') + (row as string);
            first = false;
            if (chunk.length >= 65_536) {
              yield chunk;
              chunk = '';
            }
          }
          yield chunk + ']}';
        }
        res.status(200).type('application/json');
        await pipeline(Readable.from(body()), res);
      }
      copying = false;
    }, { mode: 'snapshot', setup, discard: () => copying });
  });

  return r;
}
