/**
 * The DDL of an SQL export, written by PostgreSQL's own pg_dump (the reference for what a
 * restorable schema is: types, partitions, RLS, policies, triggers, grants, comments…), while
 * the rows keep streaming through the export's COPY path. pg_dump reads the export's own
 * snapshot (`--snapshot`), so DDL and rows agree; it dumps the schema in custom format, and
 * pg_restore writes back only the entries the export needs (chosen on pg_dump's own
 * dependency graph, `pg_restore -l -v`), before the data (pre-data) and after it (post-data).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { UnrecoverableError } from 'bullmq';
import { PINNED_SEARCH_PATH_OPTION } from '../shared/db/pool.ts';

const run = promisify(execFile);
/** Schema DDL is text of a few MB at most, even for thousands of tables. */
const MAX_OUTPUT = 512 * 1024 * 1024;

export interface PgTools {
  pgDump: string;
  pgRestore: string;
  major: number;
}

const found = new Map<number, PgTools>();

/**
 * pg_dump and pg_restore of the server's major version: `PG_BIN_DIR`, then the usual
 * install directories (Debian's, PGDG RPM's, Homebrew's), then PATH. A pg_dump of another
 * major version would write DDL for another server, so none is used: the job fails, naming
 * the package to install.
 */
export async function pgTools(major: number, binDir?: string): Promise<PgTools> {
  const cached = found.get(major);
  if (cached) return cached;
  const dirs = [
    binDir,
    `/usr/lib/postgresql/${major}/bin`,
    `/usr/pgsql-${major}/bin`,
    `/opt/homebrew/opt/postgresql@${major}/bin`,
    `/usr/local/opt/postgresql@${major}/bin`,
    ...(process.env.PATH ?? '').split(path.delimiter),
  ].filter((d): d is string => !!d);
  for (const dir of dirs) {
    const pgDump = path.join(dir, 'pg_dump');
    const pgRestore = path.join(dir, 'pg_restore');
    if (!existsSync(pgDump) || !existsSync(pgRestore)) continue;
    const v = await run(pgDump, ['--version']).then((r) => r.stdout, () => '');
    if (Number(/\s(\d+)[.\d]*/.exec(v)?.[1]) !== major) continue;
    const tools = { pgDump, pgRestore, major };
    found.set(major, tools);
    return tools;
  }
  throw new UnrecoverableError(
    `An SQL export needs pg_dump and pg_restore of PostgreSQL ${major}, the server's version, and this worker has none ` +
      `(looked in ${binDir ? 'PG_BIN_DIR, ' : ''}/usr/lib/postgresql/${major}/bin and PATH). ` +
      `Install postgresql-client-${major} (Debian/Ubuntu, from apt.postgresql.org if your release lacks it) or set PG_BIN_DIR.`,
  );
}

/** One entry of pg_dump's table of contents. */
interface TocEntry {
  id: number;
  line: string;
  catalog: number;
  oid: number;
  desc: string;
  deps: number[];
}

// Longest first, so that "SEQUENCE OWNED BY" is not read as "SEQUENCE".
const DESCS = [
  'MATERIALIZED VIEW DATA', 'PUBLICATION TABLES IN SCHEMA', 'TEXT SEARCH CONFIGURATION', 'TEXT SEARCH DICTIONARY',
  'TEXT SEARCH TEMPLATE', 'TEXT SEARCH PARSER', 'FOREIGN DATA WRAPPER', 'PROCEDURAL LANGUAGE', 'DATABASE PROPERTIES',
  'SEQUENCE OWNED BY', 'PUBLICATION TABLE', 'MATERIALIZED VIEW', 'CHECK CONSTRAINT', 'OPERATOR FAMILY', 'OPERATOR CLASS',
  'SECURITY LABEL', 'EVENT TRIGGER', 'FK CONSTRAINT', 'ACCESS METHOD', 'FOREIGN TABLE', 'BLOB METADATA', 'LARGE OBJECT',
  'INDEX ATTACH', 'TABLE ATTACH', 'ROW SECURITY', 'SEQUENCE SET', 'USER MAPPING', 'SUBSCRIPTION', 'DEFAULT ACL',
  'TABLE DATA', 'SHELL TYPE', 'PUBLICATION', 'CONSTRAINT', 'CONVERSION', 'STATISTICS', 'SEARCHPATH', 'STDSTRINGS',
  'COLLATION', 'AGGREGATE', 'PROCEDURE', 'TRANSFORM', 'EXTENSION', 'FUNCTION', 'OPERATOR', 'SEQUENCE', 'DATABASE',
  'ENCODING', 'TRIGGER', 'COMMENT', 'DEFAULT', 'POLICY', 'SCHEMA', 'SERVER', 'DOMAIN', 'TABLE', 'INDEX', 'BLOBS', 'VIEW',
  'TYPE', 'CAST', 'RULE', 'BLOB', 'ACL',
];
const RELATIONS = new Set(['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'FOREIGN TABLE']);
/** Entries that only describe their object: kept exactly when everything they name is. */
const DESCRIBING = new Set(['COMMENT', 'ACL', 'SECURITY LABEL', 'SEQUENCE OWNED BY']);
/** Entries that are part of a relation's definition: kept with their relations, bringing what they use. */
const PARTS = new Set([
  'DEFAULT', 'CONSTRAINT', 'CHECK CONSTRAINT', 'FK CONSTRAINT', 'INDEX', 'INDEX ATTACH', 'TRIGGER', 'POLICY',
  'ROW SECURITY', 'RULE', 'TABLE ATTACH', 'STATISTICS',
]);

/** Parses `pg_restore -l -v`: one line per entry, its dependencies on the next (`;\tdepends on: 3 4`). */
export function parseToc(listing: string): TocEntry[] {
  const entries: TocEntry[] = [];
  for (const line of listing.split('\n')) {
    const m = /^(\d+); (\d+) (\d+) (.*)$/.exec(line);
    if (m) {
      const desc = DESCS.find((d) => m[4].startsWith(`${d} `)) ?? m[4].split(' ')[0];
      entries.push({ id: Number(m[1]), line, catalog: Number(m[2]), oid: Number(m[3]), desc, deps: [] });
      continue;
    }
    const d = /^;\s*depends on:([\d ]*)$/.exec(line);
    if (d && entries.length) entries[entries.length - 1].deps = d[1].trim().split(/\s+/).filter(Boolean).map(Number);
  }
  return entries;
}

const PG_CLASS = 1259;
const PG_PROC = 1255;
const PG_CONSTRAINT = 2606;

export interface Roots {
  /** pg_class oids: tables, views, sequences asked for. */
  relations: Set<number>;
  /** pg_proc oids. */
  functions: Set<number>;
  /** Foreign keys of the schema (pg_constraint oid) → the table they reference (pg_class oid). */
  foreignKeys: Map<number, number>;
}

/**
 * The entries an export of `roots` (pg_class and pg_proc oids) needs: the roots; everything
 * they depend on (types, functions, schemas, the tables a view reads, a partition's parent);
 * the parts of every relation kept (constraints, indexes, triggers, policies, RLS, defaults,
 * owned sequences, partition attachments) with what those use; and the comments and grants
 * of everything kept. A part that names a relation left out (a foreign key to a table not
 * exported) is left out.
 */
export function selectEntries(entries: TocEntry[], roots: Roots): TocEntry[] {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const kept = new Set<number>();
  const need = (id: number) => {
    const stack = [id];
    while (stack.length) {
      const e = byId.get(stack.pop()!);
      if (!e || kept.has(e.id)) continue;
      kept.add(e.id);
      for (const d of e.deps) stack.push(d);
    }
  };
  // A sequence owned by a table (serial, identity) is part of it: it comes with its table only.
  const keptRelations = () => new Set(entries.filter((e) => kept.has(e.id) && e.catalog === PG_CLASS && RELATIONS.has(e.desc)).map((e) => e.oid));
  const isPart = (e: TocEntry) => PARTS.has(e.desc) || (e.desc === 'SEQUENCE' && e.deps.some((d) => RELATIONS.has(byId.get(d)?.desc ?? '')));
  for (const e of entries) {
    const root = e.catalog === PG_CLASS ? roots.relations.has(e.oid) && (RELATIONS.has(e.desc) || e.desc === 'SEQUENCE') && !isPart(e) : e.catalog === PG_PROC && roots.functions.has(e.oid);
    if (root) need(e.id);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of entries) {
      if (kept.has(e.id)) continue;
      const deps = e.deps.map((d) => byId.get(d)).filter((d): d is TocEntry => !!d);
      if (!deps.length) continue;
      let take = false;
      if (DESCRIBING.has(e.desc)) take = deps.every((d) => kept.has(d.id));
      else if (e.desc === 'FK CONSTRAINT') {
        // Its dependency on a table pg_dump left out is not in the archive: ask the catalog.
        const target = e.catalog === PG_CONSTRAINT ? roots.foreignKeys.get(e.oid) : undefined;
        take = target !== undefined && keptRelations().has(target) && deps.every((d) => kept.has(d.id) || !(RELATIONS.has(d.desc) || isPart(d)));
      }
      else if (isPart(e)) take = deps.some((d) => kept.has(d.id)) && deps.every((d) => kept.has(d.id) || !(RELATIONS.has(d.desc) || isPart(d)));
      if (take) {
        need(e.id);
        changed = true;
      }
    }
  }
  return entries.filter((e) => kept.has(e.id));
}

/**
 * pg_dump writes `CREATE SCHEMA x;` for the schema it was asked for, which fails in a new
 * database where that schema already exists (`public` is in every one): the schema's own entry
 * (the statement after its `Type: SCHEMA` header) becomes `CREATE SCHEMA IF NOT EXISTS`. Its
 * owner, comment and grants follow as pg_dump wrote them.
 */
export function createSchemaIfMissing(preData: string): string {
  return preData.replace(/^(-- Name: [^\n]*; Type: SCHEMA; Schema: -; Owner: [^\n]*\n--\n\n)CREATE SCHEMA ([^\n]+);$/gm, '$1CREATE SCHEMA IF NOT EXISTS $2;');
}

export interface SchemaDdl {
  /** Types, functions, tables, sequences, views…: what the data needs to load. */
  preData: string;
  /** Constraints, indexes, triggers, RLS, policies, grants, comments: after the data, as pg_dump orders them. */
  postData: string;
  /** pg_class oids of the relations (and sequences) the DDL creates, in pg_dump's order. */
  relations: number[];
}

/**
 * Runs pg_dump (schema only, custom format, in `snapshot`) as `login` (acting as `role` when
 * given), and pg_restore to write the entries `roots` need. The password goes through the
 * environment (PGPASSWORD), never the command line; the session's search_path is pinned
 * from its start (pg_dump then empties it and qualifies every name).
 */
export async function dumpSchemaDdl(o: {
  tools: PgTools;
  url: string;
  role?: string;
  snapshot: string;
  schema: string;
  roots: Roots;
  /** Tables of the schema pg_dump must not read (nor lock). */
  exclude?: string[];
  lockWaitMs: number;
  signal?: AbortSignal;
}): Promise<SchemaDdl> {
  const u = new URL(o.url);
  const password = decodeURIComponent(u.password) || u.searchParams.get('password') || '';
  u.password = '';
  u.searchParams.delete('password');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    PGAPPNAME: 'basalt-export',
    PGCONNECT_TIMEOUT: '10',
    PGOPTIONS: PINNED_SEARCH_PATH_OPTION,
    ...(password ? { PGPASSWORD: password } : {}),
  };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'basalt-export-'));
  const archive = path.join(dir, 'schema.dump');
  const list = path.join(dir, 'entries.list');
  const pre = path.join(dir, 'pre.sql');
  // Two processes of the worker's instead of four: each spawn forks the worker (tens of ms for
  // a large one), and a shell forks cheaply. Arguments go through "$@" and the environment,
  // never into the script's text.
  const shell = async (script: string, args: string[], vars: Record<string, string>) => {
    try {
      return (await run('/bin/sh', ['-c', script, 'basalt-export', ...args], { env: { ...env, ...vars }, maxBuffer: MAX_OUTPUT, signal: o.signal, encoding: 'utf8' })).stdout;
    } catch (e) {
      if (o.signal?.aborted) throw new Error('cancelled');
      const err = e as Error & { stderr?: string };
      throw new Error(`${(err.stderr || err.message).trim().slice(0, 2000)}`);
    }
  };
  const tools = { PG_DUMP: o.tools.pgDump, PG_RESTORE: o.tools.pgRestore, ARCHIVE: archive, LIST: list, PRE: pre };
  try {
    // An exact name as a pattern: double-quoted, its own quotes doubled.
    const exact = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const pattern = exact(o.schema);
    // A cancelled export's SIGTERM reaches the shell, which passes it on (wait is interruptible).
    const listing = await shell('"$PG_DUMP" "$@" & dump=$!; trap \'kill $dump\' TERM; wait $dump || exit; exec "$PG_RESTORE" --list --verbose "$ARCHIVE"', [
      '--schema-only',
      '--format=custom',
      // A scratch file read once: not fsynced, not compressed.
      '--no-sync',
      '--compress=0',
      `--file=${archive}`,
      `--schema=${pattern}`,
      ...(o.exclude ?? []).map((t) => `--exclude-table=${pattern}.${exact(t)}`),
      `--snapshot=${o.snapshot}`,
      '--encoding=UTF8',
      `--lock-wait-timeout=${o.lockWaitMs}`,
      ...(o.role ? [`--role=${o.role}`] : []),
      `--dbname=${u.toString()}`,
    ], tools);
    const keep = selectEntries(parseToc(listing), o.roots);
    await writeFile(list, keep.map((e) => e.line).join('\n') + '\n', { mode: 0o600 });
    // Both sections at once: pre-data into a file, post-data on stdout.
    const postData = await shell(
      '"$PG_RESTORE" --section=pre-data --use-list="$LIST" --file="$PRE" "$ARCHIVE" & pre=$!; ' +
        '"$PG_RESTORE" --section=post-data --use-list="$LIST" --file=- "$ARCHIVE" || exit; wait $pre',
      [],
      tools,
    );
    const preData = createSchemaIfMissing(await readFile(pre, 'utf8'));
    const relations = keep.filter((e) => e.catalog === PG_CLASS && (RELATIONS.has(e.desc) || e.desc === 'SEQUENCE')).map((e) => e.oid);
    return { preData, postData, relations };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
