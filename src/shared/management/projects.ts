/**
 * Management API projects: each is a database of its own (project_<ref>) owned by a login
 * role (owner_<ref>), with its own JWT secret (sealed under BASALT_MASTER_KEY) and keys.
 */
import type pg from 'pg';
import type { Config } from '../config.ts';
import { openWithMasterKey } from '../crypto/master-key.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export type ProjectStatus = 'COMING_UP' | 'ACTIVE_HEALTHY' | 'INIT_FAILED' | 'GOING_DOWN';

export interface ManagementProject {
  ref: string;
  /** The organization's slug (Supabase's organization_id is the slug). */
  organizationId: string;
  name: string;
  region: string;
  dbName: string;
  ownerRole: string;
  /** AES-256-GCM sealed; open with projectJwtSecret. */
  jwtSecretSealed: string;
  status: ProjectStatus;
  statusDetail: string | null;
  createdAt: Date;
}

export const projectDbName = (ref: string) => `project_${ref}`;
export const projectOwnerRole = (ref: string) => `owner_${ref}`;

const COLUMNS = `ref, organization_id AS "organizationId", name, region, db_name AS "dbName", owner_role AS "ownerRole",
  jwt_secret_sealed AS "jwtSecretSealed", status, status_detail AS "statusDetail", created_at AS "createdAt"`;

export async function findProject(db: Queryable, ref: string): Promise<ManagementProject | undefined> {
  const { rows } = await db.query<ManagementProject>(`SELECT ${COLUMNS} FROM basalt.management_projects WHERE ref = $1`, [ref]);
  return rows[0];
}

/** The project if `owner` belongs to its organization. */
export async function findMemberProject(db: Queryable, owner: string, ref: string): Promise<ManagementProject | undefined> {
  const { rows } = await db.query<ManagementProject>(
    `SELECT ${COLUMNS} FROM basalt.management_projects p
      WHERE p.ref = $2 AND EXISTS (SELECT 1 FROM basalt.organization_members m WHERE m.organization_id = p.organization_id AND m.owner = $1)`,
    [owner, ref],
  );
  return rows[0];
}

export async function listMemberProjects(db: Queryable, owner: string): Promise<ManagementProject[]> {
  const { rows } = await db.query<ManagementProject>(
    `SELECT ${COLUMNS} FROM basalt.management_projects p
      WHERE EXISTS (SELECT 1 FROM basalt.organization_members m WHERE m.organization_id = p.organization_id AND m.owner = $1)
      ORDER BY p.created_at, p.ref`,
    [owner],
  );
  return rows;
}

export async function setProjectStatus(db: Queryable, ref: string, status: ProjectStatus, detail: string | null = null): Promise<void> {
  await db.query('UPDATE basalt.management_projects SET status = $2, status_detail = $3 WHERE ref = $1', [ref, status, detail]);
}

export function projectJwtSecret(config: Pick<Config, 'BASALT_MASTER_KEY'>, p: Pick<ManagementProject, 'jwtSecretSealed'>): string {
  return openWithMasterKey(config, p.jwtSecretSealed);
}
