-- Extensions available on the server, with the installed version and schema when installed.
SELECT a.name::text AS name,
       x.extnamespace::regnamespace::text AS schema,
       a.default_version::text AS default_version,
       a.installed_version::text AS installed_version,
       a.comment::text AS comment
  FROM pg_available_extensions a
  LEFT JOIN pg_extension x ON x.extname = a.name
