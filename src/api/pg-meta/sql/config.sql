-- Server settings (pg_settings), with the category split into group and subgroup.
SELECT s.name, s.setting, s.category,
       split_part(s.category, ' / ', 1) AS "group",
       nullif(split_part(s.category, ' / ', 2), '') AS subgroup,
       s.unit, s.short_desc, s.extra_desc, s.context, s.vartype, s.source,
       s.min_val, s.max_val, s.enumvals, s.boot_val, s.reset_val,
       s.sourcefile, s.sourceline, s.pending_restart
  FROM pg_settings s
