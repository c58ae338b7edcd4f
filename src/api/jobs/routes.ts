import { Router } from 'express';
import { ApiError } from '../../shared/errors.ts';
import type { Services } from '../services.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** /api/jobs/:id (status), /result (streamed output), DELETE (cancel). Admin only. */
export function jobRoutes(s: Services): Router {
  const r = Router();
  const notFound = (id: string) => new ApiError(404, 'JOB_NOT_FOUND', `Job ${id} not found`);
  const checkId = (id: string) => {
    if (!UUID.test(id)) throw new ApiError(400, 'VALIDATION_ERROR', `Job id must be a UUID, got '${id.slice(0, 64)}'`);
  };

  r.get('/:id', async (req, res) => {
    checkId(req.params.id);
    const status = await s.queues.status(req.params.id);
    if (!status) throw notFound(req.params.id);
    res.json(status);
  });

  r.get('/:id/result', async (req, res) => {
    checkId(req.params.id);
    const status = await s.queues.status(req.params.id);
    if (!status) throw notFound(req.params.id);
    if (status.state !== 'completed') {
      throw new ApiError(409, 'JOB_NOT_FINISHED', `Job ${status.id} is ${status.state}; its result is not ready`);
    }
    const artifact = await s.artifacts.jobOutput(status.id);
    if (!artifact) throw new ApiError(404, 'JOB_NOT_FOUND', `Job ${status.id} has no stored result (it may have expired)`);
    res.setHeader('Content-Type', artifact.contentType);
    res.setHeader('Content-Length', String(artifact.size));
    if (artifact.filename) res.setHeader('Content-Disposition', `attachment; filename="${artifact.filename.replace(/"/g, '')}"`);
    const body = s.artifacts.stream(artifact.id);
    body.on('error', (err) => {
      req.log.error({ err: err.message }, 'result stream failed');
      res.destroy(err);
    });
    body.pipe(res);
  });

  r.delete('/:id', async (req, res) => {
    checkId(req.params.id);
    const status = await s.queues.cancel(req.params.id);
    if (!status) throw notFound(req.params.id);
    res.status(status.state === 'cancelled' ? 200 : 202).json(status);
  });

  return r;
}
