-- Domain representations (PostgREST's rule): implicit or assignment casts between a domain and
-- json, and from text to a domain. PostgreSQL ignores casts on domains, so the engine calls the
-- cast functions itself. `direction`: to_json (domain → json), from_json, from_text.
SELECT t.oid AS domain_oid,
       CASE WHEN c.castsource OPERATOR(pg_catalog.=) t.oid THEN 'to_json'
            WHEN c.castsource OPERATOR(pg_catalog.=) 'pg_catalog.json'::pg_catalog.regtype::pg_catalog.oid THEN 'from_json'
            ELSE 'from_text' END AS direction,
       pn.nspname AS func_schema,
       p.proname AS func_name
  FROM pg_catalog.pg_cast c
  JOIN pg_catalog.pg_type t ON t.typtype OPERATOR(pg_catalog.=) 'd'
   AND ((c.castsource OPERATOR(pg_catalog.=) t.oid AND c.casttarget OPERATOR(pg_catalog.=) 'pg_catalog.json'::pg_catalog.regtype::pg_catalog.oid)
     OR (c.casttarget OPERATOR(pg_catalog.=) t.oid AND c.castsource OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.json'::pg_catalog.regtype::pg_catalog.oid, 'pg_catalog.text'::pg_catalog.regtype::pg_catalog.oid])))
  JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) c.castfunc
  JOIN pg_catalog.pg_namespace pn ON pn.oid OPERATOR(pg_catalog.=) p.pronamespace
 WHERE c.castcontext OPERATOR(pg_catalog.=) ANY ('{i,a}'::pg_catalog."char"[])
   AND c.castmethod OPERATOR(pg_catalog.=) 'f'
