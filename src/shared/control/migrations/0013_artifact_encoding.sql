-- Export outputs are stored brotli-compressed (encoding 'br'): their 1 MiB chunks otherwise
-- cost PostgreSQL more to write (TOAST tuples and their WAL) than the COPY that produced
-- them. `size` stays the stored byte count; `content_size` is the decoded one.
ALTER TABLE basalt.artifacts
  ADD COLUMN encoding text CHECK (encoding IN ('br')),
  ADD COLUMN content_size bigint;
