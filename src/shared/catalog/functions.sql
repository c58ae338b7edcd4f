-- Functions in the exposed schemas with their signatures: argument names, types,
-- defaults and modes, return type (and whether it is a table's row type), volatility,
-- and the table whose row type the first argument takes (computed columns).
-- Schema-qualified throughout.
SELECT p.oid::pg_catalog.int8 AS oid,
       n.nspname AS schema,
       p.proname AS name,
       pg_catalog.obj_description(p.oid, 'pg_proc') AS comment,
       coalesce(p.proargnames, '{}') AS arg_names,
       coalesce(p.proallargtypes::pg_catalog.oid[], p.proargtypes::pg_catalog.oid[])::pg_catalog.int8[] AS arg_type_oids,
       (SELECT coalesce(pg_catalog.array_agg(pg_catalog.format_type(t, NULL) ORDER BY i), '{}')
          FROM pg_catalog.unnest(coalesce(p.proallargtypes::pg_catalog.oid[], p.proargtypes::pg_catalog.oid[])) WITH ORDINALITY u(t, i)) AS arg_types,
       (SELECT coalesce(pg_catalog.array_agg(ty.typcategory::pg_catalog.text ORDER BY i), '{}')
          FROM pg_catalog.unnest(coalesce(p.proallargtypes::pg_catalog.oid[], p.proargtypes::pg_catalog.oid[])) WITH ORDINALITY u(t, i)
          JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) u.t) AS arg_categories,
       coalesce(p.proargmodes::pg_catalog.text[], '{}') AS arg_modes,
       p.pronargs AS nargs,
       p.pronargdefaults AS nargdefaults,
       p.provariadic OPERATOR(pg_catalog.<>) 0 AS variadic,
       p.proretset AS returns_set,
       pg_catalog.format_type(p.prorettype, NULL) AS return_type,
       p.prorettype::pg_catalog.int8 AS return_type_oid,
       rt.typtype AS return_typtype,
       rn.nspname AS return_type_schema,
       coalesce(rc.relname, rt.typname) AS return_type_name,
       rc.relkind IS NOT NULL AND rc.relkind OPERATOR(pg_catalog.<>) 'c' AS returns_table_row,
       p.provolatile AS volatility,
       p.prorows::pg_catalog.float8 AS rows,
       fan.nspname AS first_arg_schema,
       fac.relname AS first_arg_table,
       p.prokind AS kind
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
  JOIN pg_catalog.pg_type rt ON rt.oid OPERATOR(pg_catalog.=) p.prorettype
  JOIN pg_catalog.pg_namespace rn ON rn.oid OPERATOR(pg_catalog.=) rt.typnamespace
  LEFT JOIN pg_catalog.pg_class rc ON rc.oid OPERATOR(pg_catalog.=) rt.typrelid
  -- computed columns take a table's row type as their first argument
  LEFT JOIN pg_catalog.pg_type fat ON fat.oid OPERATOR(pg_catalog.=) p.proargtypes[0]
  LEFT JOIN pg_catalog.pg_class fac ON fac.oid OPERATOR(pg_catalog.=) fat.typrelid
                                   AND fac.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,v,m,f}'::pg_catalog."char"[])
  LEFT JOIN pg_catalog.pg_namespace fan ON fan.oid OPERATOR(pg_catalog.=) fac.relnamespace
 WHERE n.nspname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
   AND p.prokind OPERATOR(pg_catalog.=) ANY ('{f,p}'::pg_catalog."char"[])
 ORDER BY n.nspname, p.proname, p.oid
