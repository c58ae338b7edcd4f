import { Router } from 'express';
import { fail } from '../../shared/errors.ts';
import type { Services } from '../services.ts';
import { decode, type ArtifactInfo } from '../../shared/jobs/artifacts.ts';

const RUNNING = new Set(['queued', 'active', 'cancelling']);

/** `?follow=true` streams a running job's output as it is written; absent or false, only a finished job's. */
function parseFollow(v: unknown): boolean {
  if (v === undefined || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1' || v === '') return true;
  throw fail('VALIDATION_ERROR', `follow must be true or false, got '${String(v).slice(0, 32)}'`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** /api/jobs/:id (status), /result (streamed output), DELETE (cancel). Admin only. */
export function jobRoutes(s: Services): Router {
  const r = Router();
  const notFound = (id: string) => fail('JOB_NOT_FOUND', `Job ${id} not found`);
  const checkId = (id: string) => {
    if (!UUID.test(id)) throw fail('VALIDATION_ERROR', `Job id must be a UUID, got '${id.slice(0, 64)}'`);
  };

  r.get('/:id', async (req, res) => {
    checkId(req.params.id);
    const status = await s.queues.status(req.params.id);
    if (!status) throw notFound(req.params.id);
    res.json(status);
  });

  r.get('/:id/result', async (req, res) => {
    checkId(req.params.id);
    const follow = parseFollow(new URLSearchParams(typeof req.query === 'string' ? req.query : '').get('follow') ?? undefined);
    let status = await s.queues.status(req.params.id);
    if (!status) throw notFound(req.params.id);
    let artifact: ArtifactInfo | undefined;
    if (follow && RUNNING.has(status.state)) {
      // Wait (up to JOB_WAIT_MS) for the running attempt to create its output, then follow it.
      const deadline = Date.now() + s.config.JOB_WAIT_MS;
      for (;;) {
        const wake = s.artifacts.waitFor(`job:${status.id}`, Math.max(0, Math.min(250, deadline - Date.now())));
        const current = await s.artifacts.currentOutput(status.id);
        // An incomplete output of a job that is not active is a dead attempt's: the retry replaces it.
        if (current && (current.complete || status.state !== 'queued')) {
          wake.cancel();
          artifact = current;
          break;
        }
        if (Date.now() >= deadline) {
          wake.cancel();
          break;
        }
        await wake.promise;
        status = (await s.queues.status(status.id))!;
        if (!RUNNING.has(status.state)) {
          wake.cancel();
          break;
        }
      }
    }
    if (!artifact) {
      if (status.state !== 'completed') {
        throw fail('JOB_NOT_FINISHED', `Job ${status.id} is ${status.state}; its result is not ready`);
      }
      artifact = await s.artifacts.jobOutput(status.id);
      if (!artifact) throw fail('JOB_NOT_FOUND', `Job ${status.id} has no stored result (it may have expired)`);
    }
    res.setHeader('Content-Type', artifact.contentType);
    if (artifact.filename) res.setHeader('Content-Disposition', `attachment; filename="${artifact.filename.replace(/"/g, '')}"`);
    // A compressed output goes out as stored to clients that accept its encoding (curl
    // --compressed, browsers); the others get it decoded here.
    const passEncoded = artifact.encoding !== null && req.acceptsEncodings(artifact.encoding) === artifact.encoding;
    if (artifact.encoding) res.setHeader('Vary', 'Accept-Encoding');
    if (passEncoded) res.setHeader('Content-Encoding', artifact.encoding!);
    let body;
    if (artifact.complete) {
      res.setHeader('Content-Length', String(passEncoded ? artifact.size : artifact.contentSize));
      body = s.artifacts.stream(artifact.id, artifact.size);
    } else {
      // Size unknown yet: chunked. A failure midway aborts the connection (no final chunk).
      const jobId = status.id;
      const alive = async () => {
        const st = await s.queues.status(jobId);
        return !!st && (st.state === 'active' || st.state === 'cancelling' || st.state === 'completed');
      };
      body = s.artifacts.follow(artifact.id, { alive });
    }
    if (!passEncoded) body = decode(body, artifact.encoding);
    body.on('error', (err) => {
      req.log.warn({ err: err.message }, 'result stream failed');
      res.destroy(err);
    });
    res.on('close', () => body.destroy());
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
