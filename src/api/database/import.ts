import { Router } from 'express';
import { fail } from '../../shared/errors.ts';
import type { ImportPayload } from '../../shared/jobs/payloads/import.ts';
import type { Services } from '../services.ts';
import { receiveUpload } from '../uploads.ts';
import { runJob } from '../jobs/respond.ts';

const BOOLEAN: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false, on: true, off: false, '': false };

/**
 * POST /api/database/advance/import: the multipart file is streamed into the artifact
 * store, then the import job runs it in one transaction (answered sync or respond-async).
 */
export function importRoutes(s: Services): Router {
  const r = Router();
  r.post('/advance/import', async (req, res) => {
    const upload = await receiveUpload(req, s.artifacts, { fileField: 'file' });
    const raw = (upload.fields.truncate ?? 'false').trim().toLowerCase();
    const truncate = BOOLEAN[raw];
    if (truncate === undefined) throw fail('VALIDATION_ERROR', `truncate: expected true or false, got '${raw.slice(0, 32)}'`);
    const payload: ImportPayload = {
      artifactId: upload.file.id,
      filename: upload.file.filename ?? 'upload',
      fileSize: upload.file.size,
      truncate,
    };
    // The file's own faults come back as 400 IMPORT_FAILED (see shared/jobs/client-error.ts).
    await runJob(s, req, res, 'import', payload, async (status) => {
      res.json(status.result);
    });
  });
  return r;
}
