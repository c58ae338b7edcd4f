import { z } from 'zod';

/** POST /api/database/advance/import, as queued: the uploaded file is already in the artifact store. */
export const importPayload = z.object({
  artifactId: z.uuid(),
  filename: z.string(),
  fileSize: z.number().int().nonnegative(),
  truncate: z.boolean().default(false),
});
export type ImportPayload = z.infer<typeof importPayload>;

export interface ImportResult {
  filename: string;
  fileSize: number;
  tables: string[];
  rowsImported: number;
}

/** Starts the failure reason of an import whose file is at fault (bad SQL): a client error, never retried. */
export const IMPORT_FILE_ERROR = 'Import failed, nothing was imported:';
