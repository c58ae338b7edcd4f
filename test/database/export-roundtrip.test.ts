/**
 * An SQL export restores completely: a schema holding every kind of object an export
 * carries, and awkward data, is exported through the Database API, loaded with
 * `psql -v ON_ERROR_STOP=1` into a fresh database on the same server (same roles), and then
 * `pg_dump --schema-only` of source and target must match line for line, and every table
 * row for row. JSON exports of a table with a column named x, through both APIs, parse back
 * to the rows.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, databaseUrl, db } from '../support/env.ts';

const S = 'xrt_src';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'basalt-xrt-'));
const databases: string[] = [];
let bin = '';

const urlOf = (dbname: string) => {
  const u = new URL(databaseUrl);
  u.pathname = `/${dbname}`;
  return u.toString();
};

const FIXTURE = `
  DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'xrt_reader') THEN CREATE ROLE xrt_reader; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'xrt_writer') THEN CREATE ROLE xrt_writer; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'xrt_owner') THEN CREATE ROLE xrt_owner; END IF;
  END $$;
  DROP SCHEMA IF EXISTS ${S} CASCADE;
  CREATE SCHEMA ${S} AUTHORIZATION xrt_owner;
  COMMENT ON SCHEMA ${S} IS 'round-trip fixture';
  GRANT USAGE ON SCHEMA ${S} TO xrt_reader, xrt_writer;

  CREATE TYPE ${S}.mood AS ENUM ('sad', 'ok', 'happy', 'it''s "complicated"');
  COMMENT ON TYPE ${S}.mood IS 'how it feels';
  CREATE DOMAIN ${S}.positive AS numeric(12, 2) DEFAULT 1 CONSTRAINT positive_check CHECK (VALUE > 0);
  CREATE DOMAIN ${S}.moods AS ${S}.mood[] NOT NULL DEFAULT '{}';
  CREATE TYPE ${S}.pair AS (label text, feeling ${S}.mood, amount ${S}.positive);
  CREATE TYPE ${S}.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);

  CREATE FUNCTION ${S}.slug(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(regexp_replace(t, '\\W+', '-', 'g')) $$;
  CREATE FUNCTION ${S}.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    NEW.touched := coalesce(NEW.touched, 0) + 1;
    RETURN NEW;
  END $$;
  COMMENT ON FUNCTION ${S}.stamp() IS 'counts writes';
  CREATE FUNCTION ${S}.may_see(m ${S}.mood) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT m <> 'sad' $$;
  CREATE FUNCTION ${S}.unused(a int, b int DEFAULT 2) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;
  REVOKE EXECUTE ON FUNCTION ${S}.unused(int, int) FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION ${S}.unused(int, int) TO xrt_reader;

  CREATE SEQUENCE ${S}.counter START 100 INCREMENT 5 MAXVALUE 100000 CACHE 1;
  SELECT nextval('${S}.counter'), nextval('${S}.counter');
  CREATE SEQUENCE ${S}.fresh; -- never called
  GRANT USAGE ON SEQUENCE ${S}.counter TO xrt_writer;

  CREATE TABLE ${S}.items (
    id bigint GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 3) PRIMARY KEY,
    serial_no serial,
    ticket int NOT NULL DEFAULT nextval('${S}.counter'),
    name text NOT NULL,
    slug text GENERATED ALWAYS AS (${S}.slug(name)) STORED,
    feeling ${S}.mood DEFAULT 'ok',
    feelings ${S}.moods,
    amount ${S}.positive,
    pair ${S}.pair,
    span ${S}.floatrange,
    during tstzrange,
    tags text[],
    grid int[],
    doc jsonb,
    raw json,
    blob bytea,
    note text COLLATE "C",
    touched int,
    CONSTRAINT items_name_check CHECK (name <> '' AND length(name) < 200),
    CONSTRAINT items_ticket_key UNIQUE (ticket),
    CONSTRAINT items_no_overlap EXCLUDE USING gist (span WITH &&)
  );
  CREATE INDEX items_slug_idx ON ${S}.items (slug) WHERE feeling <> 'sad';
  CREATE INDEX items_lower_name_idx ON ${S}.items (lower(name) text_pattern_ops);
  CREATE INDEX items_doc_idx ON ${S}.items USING gin (doc jsonb_path_ops);
  COMMENT ON TABLE ${S}.items IS 'things; with "quotes" and ''apostrophes''';
  COMMENT ON COLUMN ${S}.items.note IS 'free text';
  COMMENT ON CONSTRAINT items_name_check ON ${S}.items IS 'names are short';
  COMMENT ON INDEX ${S}.items_slug_idx IS 'slug lookups';
  CREATE TRIGGER items_stamp BEFORE INSERT OR UPDATE ON ${S}.items FOR EACH ROW EXECUTE FUNCTION ${S}.stamp();
  COMMENT ON TRIGGER items_stamp ON ${S}.items IS 'stamps rows';
  ALTER TABLE ${S}.items ENABLE ROW LEVEL SECURITY;
  ALTER TABLE ${S}.items FORCE ROW LEVEL SECURITY;
  CREATE POLICY items_read ON ${S}.items FOR SELECT TO xrt_reader USING (${S}.may_see(feeling));
  CREATE POLICY items_write ON ${S}.items AS RESTRICTIVE FOR INSERT TO xrt_writer WITH CHECK (amount < 1000);
  COMMENT ON POLICY items_read ON ${S}.items IS 'no sad rows';
  GRANT SELECT ON ${S}.items TO xrt_reader;
  GRANT INSERT, SELECT (id, name), UPDATE (note, feeling) ON ${S}.items TO xrt_writer WITH GRANT OPTION;

  CREATE TABLE ${S}.item_notes (
    item bigint NOT NULL REFERENCES ${S}.items (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    n int NOT NULL,
    body text,
    PRIMARY KEY (item, n)
  );

  CREATE TABLE ${S}.events (
    id bigint GENERATED BY DEFAULT AS IDENTITY,
    at date NOT NULL,
    kind text,
    payload jsonb,
    PRIMARY KEY (id, at)
  ) PARTITION BY RANGE (at);
  CREATE TABLE ${S}.events_2024 PARTITION OF ${S}.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE ${S}.events_2025 PARTITION OF ${S}.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE ${S}.events_other PARTITION OF ${S}.events DEFAULT;
  CREATE INDEX events_kind_idx ON ${S}.events (kind);
  COMMENT ON TABLE ${S}.events_2025 IS 'this year';
  GRANT SELECT ON ${S}.events TO xrt_reader;

  CREATE VIEW ${S}.happy_items WITH (security_barrier) AS SELECT id, name, ${S}.slug(note) AS note_slug FROM ${S}.items WHERE feeling = 'happy';
  GRANT SELECT ON ${S}.happy_items TO xrt_reader;
  CREATE MATERIALIZED VIEW ${S}.event_counts AS SELECT kind, count(*) AS n FROM ${S}.events GROUP BY kind;
  CREATE UNIQUE INDEX event_counts_kind ON ${S}.event_counts (kind);

  CREATE TABLE ${S}.xt (id int PRIMARY KEY, x int, t text, j jsonb);

  ALTER TABLE ${S}.items OWNER TO xrt_owner;
  ALTER TABLE ${S}.item_notes OWNER TO xrt_owner;
  ALTER TYPE ${S}.mood OWNER TO xrt_owner;
  ALTER FUNCTION ${S}.stamp() OWNER TO xrt_owner;

  INSERT INTO ${S}.items (name, feeling, feelings, amount, pair, span, during, tags, grid, doc, raw, blob, note) VALUES
    ('Tab	and newline
here', 'happy', '{happy,sad}', 12.5, ROW('a "pair"', 'ok', 3)::${S}.pair, '[1.5,2.5)', '[2024-01-01 10:00+00,2024-01-02 00:00+00)',
     ARRAY['plain', 'with space', 'comma,inside', 'quote"inside', 'back\\slash', NULL, ''], '{{1,2},{3,NULL}}',
     '{"k": [1, "two", null, {"x": "\\u00e9\\t\\n"}], "ünï": "ç😀"}', '{"raw":  "spacing kept", "dup": 1, "dup": 2}',
     '\\x00ff5c0a095c2e', E'backslash \\\\ and \\\\. alone\\r\\nCRLF'),
    ('empty strings', 'it''s "complicated"', '{}', 0.01, ROW('', NULL, NULL)::${S}.pair, 'empty', 'empty', '{}', '{}', '[]', '""', '', ''),
    ('nulls', NULL, '{NULL}', NULL, NULL, NULL, NULL, NULL, NULL, 'null', 'null', NULL, NULL),
    ('Ünïcödé ✓ שלום 𝄞', 'sad', '{ok}', 999.99, ROW('x', 'sad', 1)::${S}.pair, '(,0]', '(,)', ARRAY['𝄞', 'e\u0301'], '{7}', '"just a string"', '123', '\\x', E'\\\\.');
  INSERT INTO ${S}.items (name, note) SELECT 'row ' || i, repeat(E'\\\\', i % 4) || E'\\t' || i FROM generate_series(1, 300) i;
  INSERT INTO ${S}.item_notes SELECT id, k, 'note ' || k FROM ${S}.items, generate_series(1, 2) k WHERE id < 40;
  INSERT INTO ${S}.events (at, kind, payload) SELECT date '2024-06-01' + (i * 3), CASE WHEN i % 3 = 0 THEN NULL ELSE 'k' || (i % 5) END, jsonb_build_object('i', i)
    FROM generate_series(1, 400) i;
  REFRESH MATERIALIZED VIEW ${S}.event_counts;
  INSERT INTO ${S}.xt VALUES (1, 10, 'ten', '{"x": 1}'), (2, NULL, NULL, NULL), (3, -1, 'x', '[1, "x"]');

`;

/**
 * A dump as its entries (each from its `-- Name: …; Type: …` header on, verbatim), sorted. For
 * a dump of some tables only: pg_dump breaks ties in its order by what else the database
 * holds (the source has more objects than the target), so the same entries can come in
 * another order; each entry must still match line for line.
 */
function entries(lines: string[]): string[] {
  const out: string[][] = [[]];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '--' && lines[i + 1]?.startsWith('-- Name: ')) out.push([]);
    out[out.length - 1].push(lines[i]);
  }
  return out.map((e) => e.join('\n')).sort();
}

async function sh(cmd: string, args: string[]) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** pg_dump --schema-only, with the lines that differ by construction (psql's \restrict keys) left out. */
async function schemaOf(dbname: string, args: string[]): Promise<string[]> {
  const out = await sh(`${bin}/pg_dump`, ['--schema-only', ...args, '-d', urlOf(dbname)]);
  return out.split('\n').filter((l) => !/^\\(un)?restrict /.test(l));
}

/** Every row of every table and materialized view of the schema, as text, sorted; and every sequence's state. */
async function contentOf(dbname: string) {
  const c = new pg.Client({ connectionString: urlOf(dbname) });
  await c.connect();
  try {
    const rels = (await c.query<{ name: string; relkind: string }>(
      `SELECT c.relname AS name, c.relkind::text AS relkind FROM pg_class c WHERE c.relnamespace = '${S}'::regnamespace AND c.relkind IN ('r', 'm', 'S') ORDER BY 1`,
    )).rows;
    const out: Record<string, string[]> = {};
    for (const r of rels) {
      const sql = r.relkind === 'S' ? `SELECT last_value::text || ' ' || is_called::text AS r FROM ${S}.${r.name}` : `SELECT t::text AS r FROM ONLY ${S}.${r.name} t ORDER BY 1`;
      out[`${r.relkind} ${r.name}`] = (await c.query<{ r: string }>(sql)).rows.map((x) => x.r);
    }
    return out;
  } finally {
    await c.end();
  }
}

async function exportSql(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${apiUrl}/api/database/advance/export`, {
    method: 'POST',
    headers: { Authorization: adminAuth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ schema: S, format: 'sql', ...body }),
  });
  const json = await res.json();
  expect(res.status, JSON.stringify(json).slice(0, 2000)).toBe(200);
  return json.content as string;
}

async function restore(content: string, dbname: string) {
  await db().query(`DROP DATABASE IF EXISTS ${dbname} WITH (FORCE)`);
  await db().query(`CREATE DATABASE ${dbname}`);
  databases.push(dbname);
  const file = path.join(tmp, `${dbname}.sql`);
  writeFileSync(file, content);
  await sh(`${bin}/psql`, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', urlOf(dbname), '-f', file]);
}

beforeAll(async () => {
  const { rows } = await db().query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  bin = `/usr/lib/postgresql/${Math.floor(Number(rows[0].v) / 10000)}/bin`;
  await db().query(FIXTURE);
});

afterAll(async () => {
  for (const d of databases) await db().query(`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`);
  await db().query(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
  rmSync(tmp, { recursive: true, force: true });
});

const source = () => new URL(databaseUrl).pathname.slice(1);

describe('SQL export round trip', () => {
  it('the whole schema (views, functions, sequences too) restores to the same pg_dump and the same rows', async () => {
    const content = await exportSql({ includeViews: true, includeFunctions: true, includeSequences: true });
    // Structure comes from pg_dump; the data in between is ours.
    expect(content).toContain(`CREATE TYPE ${S}.mood AS ENUM`);
    expect(content).toMatch(/COPY "xrt_src"\."items" \(/);
    await restore(content, 'xrt_whole');

    const before = await schemaOf(source(), ['-n', S]);
    const after = await schemaOf('xrt_whole', ['-n', S]);
    expect(before.length).toBeGreaterThan(300);
    expect(after).toEqual(before);
    for (const kind of ['TYPE', 'DOMAIN', 'FUNCTION', 'SEQUENCE', 'TABLE', 'TABLE ATTACH', 'CONSTRAINT', 'FK CONSTRAINT', 'INDEX', 'TRIGGER', 'POLICY', 'ROW SECURITY', 'VIEW', 'MATERIALIZED VIEW', 'COMMENT', 'ACL']) {
      expect(before.some((l) => l.includes(`; Type: ${kind};`)), kind).toBe(true);
    }

    const rows = await contentOf(source());
    expect(await contentOf('xrt_whole')).toEqual(rows);
    expect(rows['r items']).toHaveLength(304);
    expect(rows['r events_2024'].length + rows['r events_2025'].length + rows['r events_other'].length).toBe(400);
    expect(rows['m event_counts'].length).toBeGreaterThan(0);
    expect(rows['S counter']).toEqual([`${100 + 5 * (2 + 304 - 1)} true`]); // two calls, then one per row
    expect(rows['S fresh']).toEqual(['1 false']);

    // The restored identity and sequences carry on where the source's stopped.
    const target = new pg.Client({ connectionString: urlOf('xrt_whole') });
    await target.connect();
    try {
      const next = async (c: pg.Pool | pg.Client) =>
        (await c.query(`INSERT INTO ${S}.items (name) VALUES ('next') RETURNING id, serial_no, ticket, touched`)).rows[0];
      const [a, b] = [await next(target), await next(db())];
      expect(a).toEqual(b);
      expect(a.touched).toBe(1); // the trigger came along
    } finally {
      await target.end();
      await db().query(`DELETE FROM ${S}.items WHERE name = 'next'`);
    }
  });

  it('a set of tables brings the types and functions they use, and restores to the same pg_dump of those tables', async () => {
    const content = await exportSql({ tables: ['items', 'item_notes'] });
    await restore(content, 'xrt_some');
    const tables = ['-t', `${S}.items`, '-t', `${S}.item_notes`];
    const [want, got0] = [await schemaOf(source(), tables), await schemaOf('xrt_some', tables)];
    expect(entries(want).length).toBeGreaterThan(25);
    expect(entries(got0)).toEqual(entries(want));
    const got = await contentOf('xrt_some');
    const all = await contentOf(source());
    expect(got['r items']).toEqual(all['r items']);
    expect(got['r item_notes']).toEqual(all['r item_notes']);
    // Only what those tables need: no partitioned table, no view, no unused function.
    expect(Object.keys(got).filter((k) => k.startsWith('r ')).sort()).toEqual(['r item_notes', 'r items']);
    const t = new pg.Client({ connectionString: urlOf('xrt_some') });
    await t.connect();
    try {
      const fns = (await t.query(`SELECT proname FROM pg_proc WHERE pronamespace = '${S}'::regnamespace ORDER BY 1`)).rows.map((r) => r.proname);
      expect(fns).toEqual(expect.arrayContaining(['may_see', 'slug', 'stamp'])); // (and the range type's constructors)
      expect(fns).not.toContain('unused');
      const types = (await t.query(
        `SELECT typname FROM pg_type t WHERE typnamespace = '${S}'::regnamespace
            AND (typtype IN ('e', 'd', 'r') OR (typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')) ORDER BY 1`,
      )).rows.map((r) => r.typname);
      expect(types).toEqual(['floatrange', 'mood', 'moods', 'pair', 'positive']);
    } finally {
      await t.end();
    }
  });

  it('a partitioned table brings its partitions and their rows; a foreign key to a table left out is left out', async () => {
    const content = await exportSql({ tables: ['events', 'item_notes'] });
    expect(content).not.toContain('FOREIGN KEY');
    await restore(content, 'xrt_parts');
    const tables = ['-t', `${S}.events*`];
    expect(entries(await schemaOf('xrt_parts', tables))).toEqual(entries(await schemaOf(source(), tables)));
    const got = await contentOf('xrt_parts');
    const all = await contentOf(source());
    for (const t of ['r events_2024', 'r events_2025', 'r events_other', 'r item_notes']) expect(got[t], t).toEqual(all[t]);
  });
});

describe('SQL export of tables in public', () => {
  // public is in every new database, and pg_dump writes CREATE SCHEMA public for it.
  const T = `xrt_public_${process.pid}`;
  afterAll(async () => {
    await db().query(`DROP TABLE IF EXISTS public.${T}_child, public.${T}`);
    await db().query(`DROP TYPE IF EXISTS public.${T}_kind`);
  });

  it('restores into a new database (where public already exists) with its type, rows and foreign key', async () => {
    await db().query(`CREATE TYPE public.${T}_kind AS ENUM ('a', 'b');
      CREATE TABLE public.${T} (id int PRIMARY KEY, kind public.${T}_kind NOT NULL);
      CREATE TABLE public.${T}_child (id int PRIMARY KEY, parent int REFERENCES public.${T}(id));
      INSERT INTO public.${T} VALUES (1, 'a'), (2, 'b'); INSERT INTO public.${T}_child VALUES (10, 2);
      COMMENT ON TABLE public.${T} IS 'kept';`);
    const content = await exportSql({ schema: 'public', tables: [T, `${T}_child`] });
    expect(content).toMatch(/^CREATE SCHEMA IF NOT EXISTS public;$/m);
    await restore(content, 'xrt_public');
    const tables = ['-t', `public.${T}*`];
    expect(entries(await schemaOf('xrt_public', tables))).toEqual(entries(await schemaOf(source(), tables)));
    const c = new pg.Client({ connectionString: urlOf('xrt_public') });
    await c.connect();
    try {
      expect((await c.query(`SELECT p.id, p.kind::text, c.id AS child FROM public.${T} p LEFT JOIN public.${T}_child c ON c.parent = p.id ORDER BY 1`)).rows).toEqual([
        { id: 1, kind: 'a', child: null },
        { id: 2, kind: 'b', child: 10 },
      ]);
      expect((await c.query(`SELECT obj_description('public.${T}'::regclass) AS d`)).rows[0].d).toBe('kept');
    } finally {
      await c.end();
    }
  });
});

describe('JSON export of a table with a column named x', () => {
  const expected = [
    { id: 1, x: 10, t: 'ten', j: { x: 1 } },
    { id: 2, x: null, t: null, j: null },
    { id: 3, x: -1, t: 'x', j: [1, 'x'] },
  ];

  it('through the Database API', async () => {
    const res = await fetch(`${apiUrl}/api/database/advance/export`, {
      method: 'POST',
      headers: { Authorization: adminAuth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ schema: S, tables: ['xt'], format: 'json' }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.rows).toBe(3);
    expect([...body.content.xt].sort((a: { id: number }, b: { id: number }) => a.id - b.id)).toEqual(expected);
  });

  it('through the Admin API (GET /api/table/xt/export?format=json)', async () => {
    const res = await fetch(`${apiUrl}/api/table/xt/export?format=json&schema=${S}`, { headers: { Authorization: adminAuth } });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const body = JSON.parse(text);
    expect(body).toMatchObject({ table: 'xt', count: 3 });
    expect(body.data).toEqual(expected);
  });
});

describe('SQL export of a project schema', () => {
  const P = `xrt_proj_${process.pid}`;
  const admin = (method: string, p: string, body?: unknown) =>
    fetch(`${apiUrl}/api${p}`, { method, headers: { Authorization: adminAuth, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeAll(async () => {
    expect((await admin('POST', '/schema/create', { schemaName: P, password: 'tenant-password-1' })).status).toBe(201);
    const u = new URL(databaseUrl);
    u.username = `${P}_user`;
    u.password = 'tenant-password-1';
    const owner = new pg.Client({ connectionString: u.toString() });
    await owner.connect();
    try {
      await owner.query(`
        CREATE TYPE ${P}.state AS ENUM ('new', 'done');
        CREATE FUNCTION ${P}.bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.n := NEW.n + 1; RETURN NEW; END $$;
        CREATE TABLE ${P}.tasks (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, s ${P}.state NOT NULL DEFAULT 'new', n int NOT NULL DEFAULT 0, title text);
        CREATE TRIGGER tasks_bump BEFORE INSERT ON ${P}.tasks FOR EACH ROW EXECUTE FUNCTION ${P}.bump();
        ALTER TABLE ${P}.tasks ENABLE ROW LEVEL SECURITY;
        CREATE POLICY tasks_anon ON ${P}.tasks FOR SELECT TO ${P}_anon USING (s = 'done');
        GRANT SELECT ON ${P}.tasks TO ${P}_anon;
        COMMENT ON TABLE ${P}.tasks IS 'tenant tasks';
        INSERT INTO ${P}.tasks (s, title) VALUES ('new', 'a'), ('done', E'b\\tc'), ('done', NULL);
      `);
    } finally {
      await owner.end();
    }
    // A table of the operator's in the tenant's schema, which the tenant may not read.
    await db().query(`CREATE TABLE ${P}.operator_only (secret text); INSERT INTO ${P}.operator_only VALUES ('op-secret')`);
  });

  afterAll(async () => {
    await admin('DELETE', `/schema/${P}`).catch(() => undefined);
    await db().query(`DROP SCHEMA IF EXISTS ${P} CASCADE`);
  });

  it('is dumped as the tenant: it restores the tenant\'s objects, and leaves out what the tenant cannot read', async () => {
    const content = await exportSql({ schema: P, tables: ['tasks'] });
    expect(content).not.toContain('operator_only');
    expect(content).not.toContain('op-secret');
    await restore(content, 'xrt_proj');
    const tables = ['-t', `${P}.tasks`];
    expect(entries(await schemaOf('xrt_proj', tables))).toEqual(entries(await schemaOf(source(), tables)));
    const c = new pg.Client({ connectionString: urlOf('xrt_proj') });
    await c.connect();
    try {
      expect((await c.query(`SELECT t::text AS r FROM ${P}.tasks t ORDER BY id`)).rows.map((r) => r.r)).toEqual(
        (await db().query(`SELECT t::text AS r FROM ${P}.tasks t ORDER BY id`)).rows.map((r) => r.r),
      );
    } finally {
      await c.end();
    }

    // Asked for explicitly, the operator's table is refused, not exported.
    const res = await fetch(`${apiUrl}/api/database/advance/export`, {
      method: 'POST',
      headers: { Authorization: adminAuth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ schema: P, tables: ['operator_only'], format: 'sql' }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(403);
    expect(body.error).toBe('FORBIDDEN');
    expect(body.message).toContain('permission denied');
  });
});
