/**
 * The queue dashboard (bull-board) at /admin/queues, behind the admin credentials: every job
 * queue, each job's payload and result with secrets redacted, its progress (rows, bytes),
 * failure reason and attempts, and the retry and remove actions. Actions that would write a job
 * (add, edit data: the redacted payload would be written back) or drop a queue wholesale are refused.
 */
import { Router, type RequestHandler } from 'express';
import type { Job } from 'bullmq';
import type { Services } from '../services.ts';
import { requireAdmin } from '../admin/auth.ts';
import { apiErrorHandler } from '../api-errors.ts';
import { refuseCrossSite } from '../middleware/cross-site.ts';
import { JOB_TYPES } from '../../shared/jobs/names.ts';
import { redactSecrets } from '../../shared/jobs/redact.ts';
import { fail } from '../../shared/errors.ts';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** The dashboard's own API calls that may change something: retry, remove (clean), promote, pause, resume. */
const ALLOWED_ACTION = /^\/api\/queues\/(pause|resume|[^/]+\/(retry|clean)\/[^/]+|[^/]+\/(promote|pause|resume)|[^/]+\/[^/]+\/(retry|clean|promote))$/;

const onlyListedActions: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD' || ALLOWED_ACTION.test(req.path)) return next();
  next(fail('METHOD_NOT_ALLOWED', `The queue dashboard does not allow ${req.method} ${req.baseUrl}${req.path}: only retry, remove, promote, pause and resume`));
};

/**
 * A job as the dashboard reads it: its JSON with secrets redacted, failure reason and stack
 * included (a failed statement is quoted there, PASSWORD and all). The job's own methods
 * (retry, remove) still act on the real job.
 */
function redactedView(job: Job): Job {
  const view = Object.create(job) as Job;
  view.toJSON = () => {
    const j = job.toJSON();
    return { ...j, failedReason: redactSecrets(j.failedReason) as string, stacktrace: redactSecrets(j.stacktrace) as string[] };
  };
  return view;
}

/** bull-board, loaded on the first visit: most processes never serve it, and it costs memory. */
async function loadBoard(s: Services): Promise<RequestHandler> {
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/express'),
  ]);
  /** bull-board's BullMQ adapter, handing out redacted views of jobs. */
  class RedactingAdapter extends BullMQAdapter {
    override async getJob(id: string) {
      const job = await super.getJob(id);
      return job && redactedView(job);
    }
    override async getJobs(...args: Parameters<InstanceType<typeof BullMQAdapter>['getJobs']>) {
      return (await super.getJobs(...args)).map(redactedView);
    }
  }
  const board = new ExpressAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  const queues = JOB_TYPES.map((t) => {
    const a = new RedactingAdapter(s.queues.queue(t), { readOnlyMode: false, allowRetries: true, description: `${t} jobs` });
    a.setFormatter('data', (data) => redactSecrets(data));
    a.setFormatter('returnValue', (value) => redactSecrets(value));
    return a;
  });
  createBullBoard({ queues, serverAdapter: board, options: { uiConfig: { boardTitle: 'Basalt jobs' } } });
  return board.getRouter() as RequestHandler;
}

export function queueDashboard(s: Services): Router {
  let board: Promise<RequestHandler> | undefined;
  const lazyBoard: RequestHandler = (req, res, next) => {
    board ??= loadBoard(s).catch((e) => {
      board = undefined;
      throw e;
    });
    board.then((handle) => handle(req, res, next), next);
  };
  const r = Router();
  // Browsers replay cached Basic credentials: a state-changing request from another site is refused first.
  r.use(QUEUE_DASHBOARD_PATH, refuseCrossSite(s.config), requireAdmin(s), onlyListedActions, lazyBoard);
  r.use(QUEUE_DASHBOARD_PATH, apiErrorHandler);
  return r;
}
