-- Deploy animus:type_memory_match to pg
BEGIN;

CREATE TYPE animus.memory_match AS (
    id bigint, content text, memory_type text, source text, metadata jsonb,
    created_at timestamptz, score double precision);
COMMENT ON TYPE animus.memory_match IS
    'A row of animus.search_memory / keyword_search; score is the cosine similarity (or the keyword score).';

COMMIT;
