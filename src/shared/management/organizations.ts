/** Organizations of the Management API. The owner that creates one is its first member. */
import type pg from 'pg';
import { newRef } from './refs.ts';
import { pgErrorKind } from '../db/sqlstate.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface Organization {
  id: string;
  slug: string;
  name: string;
}

export async function listOrganizations(db: Queryable, owner: string): Promise<Organization[]> {
  const { rows } = await db.query<Organization>(
    `SELECT o.id, o.id AS slug, o.name
       FROM basalt.organizations o JOIN basalt.organization_members m ON m.organization_id = o.id
      WHERE m.owner = $1 ORDER BY o.created_at, o.id`,
    [owner],
  );
  return rows;
}

export async function createOrganization(db: Queryable, owner: string, name: string): Promise<Organization> {
  // One statement: the organization never exists without its member.
  for (let attempt = 0; ; attempt++) {
    try {
      const { rows } = await db.query<Organization>(
        `WITH o AS (INSERT INTO basalt.organizations (id, name, created_by) VALUES ($1, $2, $3) RETURNING id, name),
              m AS (INSERT INTO basalt.organization_members (organization_id, owner) SELECT id, $3 FROM o)
         SELECT id, id AS slug, name FROM o`,
        [newRef(), name, owner],
      );
      return rows[0];
    } catch (e) {
      // 26^20 slugs: a collision is all but impossible, but retrying costs nothing.
      if (pgErrorKind(e) === 'unique_violation' && attempt < 3) continue;
      throw e;
    }
  }
}

/** The organization `idOrSlug` if `owner` is a member of it. */
export async function memberOrganization(db: Queryable, owner: string, idOrSlug: string): Promise<Organization | undefined> {
  const { rows } = await db.query<Organization>(
    `SELECT o.id, o.id AS slug, o.name
       FROM basalt.organizations o JOIN basalt.organization_members m ON m.organization_id = o.id
      WHERE m.owner = $1 AND o.id = $2`,
    [owner, idOrSlug],
  );
  return rows[0];
}
