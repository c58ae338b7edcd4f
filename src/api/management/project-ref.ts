import type { Response } from 'express';

/** The project the core router's loadProject resolved (and checked access to) for /v1/projects/:ref. */
export function refOf(res: Response): string {
  const ref = (res.locals.project as { ref?: string } | undefined)?.ref;
  if (!ref) throw new Error('project routes mounted without loadProject');
  return ref;
}
