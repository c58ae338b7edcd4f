import { StringDecoder } from 'node:string_decoder';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { fail } from '../../shared/errors.ts';
import { exportFields, type ExportResult } from '../../shared/jobs/payloads/export.ts';
import type { Services } from '../services.ts';
import { runJob } from '../jobs/respond.ts';
import { catalog } from '../../shared/catalog/index.ts';

/** Larger results are not inlined in the synchronous answer; they are read from GET /api/jobs/:id/result. */
export const INLINE_MAX_BYTES = 16 * 1024 * 1024;

export const exportRequestBody = exportFields.extend({ tables: exportFields.shape.tables.optional(), format: z.enum(['json', 'sql']).default('sql') });

/** POST /api/database/advance/export: a COPY-streamed export job, answered sync or async. */
export function exportRoutes(s: Services): Router {
  const r = Router();
  r.post('/advance/export', async (req, res) => {
    const parsed = exportRequestBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw fail('VALIDATION_ERROR', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    }
    const p = parsed.data;
    const { rows } = await s.pool.query<{ relname: string; relkind: string }>(catalog.exportableRelations, [p.schema]);
    const existing = new Set(rows.map((r) => r.relname));
    // By default every table; views too for JSON with includeViews (in SQL they are DDL, added by the worker).
    const defaultKinds = p.format === 'json' && p.includeViews ? ['r', 'p', 'v', 'm'] : ['r', 'p'];
    const tables = p.tables ?? rows.filter((r) => defaultKinds.includes(r.relkind)).map((r) => r.relname);
    const missing = tables.find((t) => !existing.has(t));
    if (missing) throw fail('TABLE_NOT_FOUND', `Table '${missing}' does not exist`);
    if (tables.length === 0) throw fail('VALIDATION_ERROR', `Schema '${p.schema}' has no tables to export`);

    await runJob(s, req, res, 'export', { ...p, tables }, async (status) => {
      const result = status.result as ExportResult;
      if (result.bytes > INLINE_MAX_BYTES) {
        // Too big to inline as one JSON string: the client downloads the file itself.
        const resultUrl = `/api/jobs/${status.id}/result`;
        res.setHeader('Link', `<${resultUrl}>; rel="alternate"`);
        res.json({ format: result.format, tables: result.tables, rows: result.rows, bytes: result.bytes, jobId: status.id, content: null, resultUrl });
        return;
      }
      await streamInline(s, res, status.id, result);
    });
  });
  return r;
}

/** The seed's synchronous shape, with the content streamed from the artifact store, never held whole. */
async function streamInline(s: Services, res: Response, jobId: string, result: ExportResult) {
  const info = await s.artifacts.info(result.artifactId);
  if (!info) throw fail('JOB_NOT_FOUND', `Job ${jobId} has no stored result (it may have expired)`);
  res.status(200).type('application/json');
  const head = { format: result.format, tables: result.tables, rows: result.rows, jobId };
  res.write(JSON.stringify(head).slice(0, -1) + ',"content":');
  const src = s.artifacts.content(info);
  if (result.format === 'json') {
    for await (const chunk of src) if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
  } else {
    // Escape as one JSON string, chunk by chunk; the decoder keeps split UTF-8 characters whole.
    const dec = new StringDecoder('utf8');
    res.write('"');
    for await (const chunk of src) {
      const text = dec.write(chunk as Buffer);
      if (!res.write(JSON.stringify(text).slice(1, -1))) await new Promise((r) => res.once('drain', r));
    }
    res.write(JSON.stringify(dec.end()).slice(1, -1) + '"');
  }
  res.end('}');
}
