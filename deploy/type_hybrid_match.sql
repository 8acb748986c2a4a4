-- Deploy animus:type_hybrid_match to pg
BEGIN;

CREATE TYPE animus.hybrid_match AS (
    id bigint, content text, memory_type text, source text, metadata jsonb,
    created_at timestamptz, score double precision,
    vector_rank integer, keyword_rank integer);
COMMENT ON TYPE animus.hybrid_match IS
    'A row of animus.hybrid_search: the fused score plus each leg''s 1-based rank (NULL when absent from a leg).';

COMMIT;
