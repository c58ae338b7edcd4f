import type { ReadPlan } from '../plan/types.ts';
import { outputNames } from '../render/read.ts';

const escape = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** A CSV body: the header line from the plan's output names, then the rows PostgreSQL built. */
export function csvDocument(plan: ReadPlan, rows: string): string {
  const header = outputNames(plan).map(escape).join(',');
  return rows ? `${header}\n${rows}` : header;
}
