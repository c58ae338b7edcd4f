-- The server's version and how many of its connections are in use.
SELECT version() AS version,
       current_setting('server_version_num')::int8 AS version_number,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int8 AS active_connections,
       current_setting('max_connections')::int8 AS max_connections
