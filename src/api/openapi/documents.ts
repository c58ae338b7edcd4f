/**
 * The four OpenAPI 3.1 documents, each built on its first request and kept for the life of
 * the process: zod-openapi and the surfaces' descriptions are loaded only then, so a process
 * that is never asked for a document never pays for them.
 */
import type { z } from 'zod';
import type { Operation } from './operations.ts';

/** What a surface module exports as `surface`. */
export interface Surface {
  title: string;
  description: string;
  /** Security schemes by name (OpenAPI's components.securitySchemes). */
  securitySchemes: Record<string, Record<string, unknown>>;
  errorSchema: z.ZodType;
  tags: { name: string; description?: string }[];
  operations: Operation[];
}

export const DOCUMENTS = {
  admin: { path: '/api/openapi.json', title: 'Admin API', load: () => import('./admin-api.ts') },
  database: { path: '/api/database/openapi.json', title: 'Database API', load: () => import('./database-api.ts') },
  management: { path: '/v1/openapi.json', title: 'Management API', load: () => import('./management-api.ts') },
  postgresAdmin: { path: '/openapi.json', title: 'Postgres Admin API', load: () => import('./postgres-admin-api.ts') },
} as const;

export type DocumentName = keyof typeof DOCUMENTS;

const built = new Map<DocumentName, Promise<string>>();

async function build(name: DocumentName, version: string): Promise<string> {
  const [{ createDocument }, { addParameterExamples, pathsOf }, { surface }] = await Promise.all([
    import('zod-openapi'),
    import('./operations.ts'),
    DOCUMENTS[name].load() as Promise<{ surface: Surface }>,
  ]);
  const doc = createDocument(
    {
      openapi: '3.1.0',
      info: { title: `Basalt ${surface.title}`, version, description: surface.description },
      tags: surface.tags,
      components: { securitySchemes: surface.securitySchemes as never },
      paths: pathsOf(surface.operations, surface.errorSchema),
    },
    { reused: 'inline' },
  );
  addParameterExamples(doc as never, surface.operations);
  return JSON.stringify(doc);
}

/** The document as JSON text; a failed build is not kept, so the next request tries again. */
export function openApiDocument(name: DocumentName, version: string): Promise<string> {
  let p = built.get(name);
  if (!p) {
    p = build(name, version);
    built.set(name, p);
    p.catch(() => built.delete(name));
  }
  return p;
}
