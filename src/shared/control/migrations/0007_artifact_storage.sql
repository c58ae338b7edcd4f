-- Artifact chunks are already-dense data (exports, uploads): compressing each
-- 1 MiB chunk with pglz costs more CPU than the space it saves. Store them out of
-- line, uncompressed.
ALTER TABLE basalt.artifact_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
