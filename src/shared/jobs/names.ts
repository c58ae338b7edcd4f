/** One BullMQ queue per job kind. */
export const JOB_TYPES = ['export', 'import', 'bulk-upsert', 'migrations', 'license'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const queueName = (t: JobType) => `basalt-${t}`;
/** Pub/sub channel on which the API asks workers to abort an active job. */
export const cancelChannel = (prefix: string) => `${prefix}:job-cancel`;
export const cancelKey = (prefix: string, id: string) => `${prefix}:job-cancelled:${id}`;
/** The reason a cancelled job fails with. */
export const CANCELLED = 'cancelled';
