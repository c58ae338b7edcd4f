-- Functions in the exposed schemas with their signatures: argument names, types,
-- defaults and modes, return type (and whether it is a table's row type), volatility,
-- and the table whose row type the first argument takes (computed columns).
SELECT p.oid::int8 AS oid,
       n.nspname AS schema,
       p.proname AS name,
       obj_description(p.oid, 'pg_proc') AS comment,
       coalesce(p.proargnames, '{}') AS arg_names,
       coalesce(p.proallargtypes::oid[], p.proargtypes::oid[])::int8[] AS arg_type_oids,
       (SELECT coalesce(array_agg(format_type(t, NULL) ORDER BY i), '{}')
          FROM unnest(coalesce(p.proallargtypes::oid[], p.proargtypes::oid[])) WITH ORDINALITY u(t, i)) AS arg_types,
       coalesce(p.proargmodes::text[], '{}') AS arg_modes,
       p.pronargs AS nargs,
       p.pronargdefaults AS nargdefaults,
       p.provariadic <> 0 AS variadic,
       p.proretset AS returns_set,
       format_type(p.prorettype, NULL) AS return_type,
       rt.typtype AS return_typtype,
       rn.nspname AS return_type_schema,
       coalesce(rc.relname, rt.typname) AS return_type_name,
       rc.relkind IS NOT NULL AND rc.relkind <> 'c' AS returns_table_row,
       p.provolatile AS volatility,
       fan.nspname AS first_arg_schema,
       fac.relname AS first_arg_table,
       p.prokind AS kind
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_type rt ON rt.oid = p.prorettype
  JOIN pg_namespace rn ON rn.oid = rt.typnamespace
  LEFT JOIN pg_class rc ON rc.oid = rt.typrelid
  -- computed columns take a table's row type as their first argument
  LEFT JOIN pg_type fat ON fat.oid = p.proargtypes[0]
  LEFT JOIN pg_class fac ON fac.oid = fat.typrelid AND fac.relkind IN ('r', 'p', 'v', 'm', 'f')
  LEFT JOIN pg_namespace fan ON fan.oid = fac.relnamespace
 WHERE n.nspname = ANY ($1::text[])
   AND p.prokind IN ('f', 'p')
 ORDER BY n.nspname, p.proname, p.oid
