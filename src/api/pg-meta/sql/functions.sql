-- Functions and procedures (not aggregates) in postgres-meta's shape: arguments with
-- their modes and defaults, return type, behaviour and the full CREATE statement.
SELECT p.oid::int8 AS id,
       n.nspname::text AS schema,
       p.proname::text AS name,
       l.lanname::text AS language,
       CASE WHEN l.lanname = 'internal' THEN p.prosrc ELSE p.prosrc END AS definition,
       pg_get_functiondef(p.oid) AS complete_statement,
       coalesce((SELECT json_agg(json_build_object(
                          'mode', CASE m.mode WHEN 'i' THEN 'in' WHEN 'o' THEN 'out' WHEN 'b' THEN 'inout'
                                              WHEN 'v' THEN 'variadic' ELSE 'table' END,
                          'name', coalesce(p.proargnames[m.ord], ''),
                          'type_id', m.type_id::int8,
                          'has_default', m.mode IN ('i', 'b', 'v') AND m.in_ord > coalesce(array_length(p.proargtypes::oid[], 1), 0) - p.pronargdefaults)
                        ORDER BY m.ord)
                   FROM (SELECT u.ord, u.type_id,
                                coalesce(p.proargmodes[u.ord], 'i') AS mode,
                                count(*) FILTER (WHERE coalesce(p.proargmodes[u.ord], 'i') IN ('i', 'b', 'v'))
                                  OVER (ORDER BY u.ord) AS in_ord
                           FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY AS u(type_id, ord)) m),
                '[]'::json) AS args,
       pg_get_function_arguments(p.oid) AS argument_types,
       pg_get_function_identity_arguments(p.oid) AS identity_argument_types,
       p.prorettype::int8 AS return_type_id,
       pg_get_function_result(p.oid) AS return_type,
       nullif(rt.typrelid, 0)::int8 AS return_type_relation_id,
       p.proretset AS is_set_returning_function,
       CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END AS behavior,
       p.prosecdef AS security_definer,
       (SELECT json_object_agg(split_part(cfg, '=', 1), substr(cfg, strpos(cfg, '=') + 1))
          FROM unnest(p.proconfig) AS cfg) AS config_params,
       obj_description(p.oid, 'pg_proc') AS comment
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_language l ON l.oid = p.prolang
  JOIN pg_type rt ON rt.oid = p.prorettype
 WHERE p.prokind IN ('f', 'p')
