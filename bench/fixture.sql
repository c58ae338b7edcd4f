-- The benchmarks' data (bench/rest-read.ts, bench/rest-write.ts). Values are derived from
-- the row number (no random()), so every run serves the same bodies and the two servers
-- can be compared byte for byte.
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

CREATE TABLE bench.publishers (
  id integer PRIMARY KEY,
  name text NOT NULL,
  country text NOT NULL,
  founded smallint
);

CREATE TABLE bench.authors (
  id integer PRIMARY KEY,
  publisher_id integer NOT NULL REFERENCES bench.publishers (id),
  name text NOT NULL,
  born date,
  bio text
);

CREATE TABLE bench.books (
  id integer PRIMARY KEY,
  author_id integer NOT NULL REFERENCES bench.authors (id),
  title text NOT NULL,
  isbn text NOT NULL,
  pages integer NOT NULL,
  price numeric(8, 2) NOT NULL,
  published_on date NOT NULL,
  in_print boolean NOT NULL,
  rating real,
  created_at timestamptz NOT NULL
);

INSERT INTO bench.publishers (id, name, country, founded)
SELECT i, 'Publisher ' || i, (ARRAY['DE', 'FR', 'GB', 'US', 'JP'])[1 + i % 5], (1850 + i)::smallint
FROM generate_series(1, 100) AS i;

INSERT INTO bench.authors (id, publisher_id, name, born, bio)
SELECT i, 1 + (i * 7) % 100, 'Author ' || i, date '1930-01-01' + (i * 13) % 25000,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'Writes about ' || md5(i::text) END
FROM generate_series(1, 10000) AS i;

INSERT INTO bench.books (id, author_id, title, isbn, pages, price, published_on, in_print, rating, created_at)
SELECT i,
       1 + (i * 31) % 10000,
       'Book ' || i || ' ' || substr(md5(i::text), 1, 12),
       '978' || lpad((i * 7919 % 1000000000)::text, 10, '0'),
       50 + i % 900,
       round((5 + (i % 9500) / 100.0)::numeric, 2),
       date '1950-01-01' + i % 27000,
       i % 3 <> 0,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (i % 50) / 10.0 END,
       timestamptz '2020-01-01 00:00:00+00' + make_interval(secs => i * 37)
FROM generate_series(1, 200000) AS i;

-- PostgREST-style data APIs index their foreign keys; the embed joins go the other way
-- (books → authors → publishers, by primary key), but this keeps the schema realistic.
CREATE INDEX ON bench.books (author_id);
CREATE INDEX ON bench.authors (publisher_id);

-- The write benchmark's target: bench/rest-write.ts empties it between scenarios.
CREATE TABLE bench.events (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  payload jsonb,
  created_at timestamptz DEFAULT now()
);

-- RPC: a pure function (read-only transaction) and a volatile one that writes a row.
CREATE FUNCTION bench.add_them(a int, b int) RETURNS int
  LANGUAGE sql IMMUTABLE
  AS 'SELECT a + b';

CREATE FUNCTION bench.log_event(kind text) RETURNS bigint
  LANGUAGE sql VOLATILE
  AS 'INSERT INTO bench.events (kind) VALUES (log_event.kind) RETURNING id';

GRANT USAGE ON SCHEMA bench TO anon;
GRANT SELECT ON ALL TABLES IN SCHEMA bench TO anon;
GRANT INSERT ON bench.events TO anon;
GRANT USAGE ON SEQUENCE bench.events_id_seq TO anon;
GRANT EXECUTE ON FUNCTION bench.add_them(int, int), bench.log_event(text) TO anon;
