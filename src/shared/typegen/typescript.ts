/**
 * TypeScript types for a database, as `supabase gen types typescript` makes them: the
 * introspection and generator of @supabase/postgrest-typegen, shared by the Postgres Admin
 * API (/generators/typescript) and the Management API (/v1/projects/:ref/types/typescript).
 */
import { introspect, type Queryable } from '@supabase/postgrest-typegen/introspection';
import { generateTypescript, sortGeneratorMetadata } from '@supabase/postgrest-typegen/generation';

export interface TypegenOptions {
  includedSchemas?: string[];
  excludedSchemas?: string[];
  detectOneToOneRelationships?: boolean;
  postgrestVersion?: string;
}

export async function generateTypes(db: Queryable, o: TypegenOptions = {}): Promise<string> {
  const metadata = await introspect(db, {
    includedSchemas: o.includedSchemas?.length ? o.includedSchemas : undefined,
    excludedSchemas: o.excludedSchemas?.length ? o.excludedSchemas : undefined,
  });
  return generateTypescript(sortGeneratorMetadata(metadata), {
    detectOneToOneRelationships: o.detectOneToOneRelationships ?? false,
    postgrestVersion: o.postgrestVersion ?? '12',
  });
}
