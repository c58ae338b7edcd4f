-- The columns of relation $1 (a regclass text), each with whether it is NOT NULL.
SELECT attname AS name, attnotnull AS notnull
  FROM pg_catalog.pg_attribute
 WHERE attrelid OPERATOR(pg_catalog.=) $1::pg_catalog.regclass AND attnum OPERATOR(pg_catalog.>) 0 AND NOT attisdropped
