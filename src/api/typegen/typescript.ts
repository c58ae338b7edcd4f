/**
 * TypeScript types for a database, as `supabase gen types typescript` makes them: the
 * introspection and generator of @supabase/postgrest-typegen, shared by the Postgres Admin
 * API (/generators/typescript) and the Management API (/v1/projects/:ref/types/typescript).
 */
import type { Queryable } from '@supabase/postgrest-typegen/introspection';
import { CONTROL_SCHEMA } from '../../shared/control/runner.ts';

export interface TypegenOptions {
  includedSchemas?: string[];
  excludedSchemas?: string[];
  detectOneToOneRelationships?: boolean;
  postgrestVersion?: string;
}

/** The introspection sends its queries together; a pg client wants them one at a time. */
function oneAtATime(db: Queryable): Queryable {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    query: (sql: string) => {
      const next = queue.then(() => db.query(sql));
      queue = next.catch(() => {});
      return next;
    },
  };
}

/** `db`: one client (one consistent picture) or a pool. */
export async function generateTypes(db: Queryable, o: TypegenOptions = {}): Promise<string> {
  const included = o.includedSchemas?.length ? o.includedSchemas : undefined;
  // Basalt's control schema is internal, like the system schemas: only when asked for by name.
  const excluded = [...(o.excludedSchemas ?? []), ...(included ? [] : [CONTROL_SCHEMA])];
  // Loaded on first use: the introspection module alone costs a process ~45 MB of memory.
  const [{ introspect }, { generateTypescript, sortGeneratorMetadata }] = await Promise.all([
    import('@supabase/postgrest-typegen/introspection'),
    import('@supabase/postgrest-typegen/generation'),
  ]);
  const metadata = await introspect(oneAtATime(db), { includedSchemas: included, excludedSchemas: excluded.length ? excluded : undefined });
  return generateTypescript(sortGeneratorMetadata(metadata), {
    detectOneToOneRelationships: o.detectOneToOneRelationships ?? false,
    postgrestVersion: o.postgrestVersion ?? '12',
  });
}
