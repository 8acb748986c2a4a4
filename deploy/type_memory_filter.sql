-- Deploy animus:type_memory_filter to pg
-- The parsed, validated form of the filters jsonb that every memory function accepts.
BEGIN;

CREATE TYPE animus.memory_filter AS (
    memory_types   text[],
    source         text,
    metadata       jsonb,
    created_after  timestamptz,
    created_before timestamptz);
COMMENT ON TYPE animus.memory_filter IS
    'Validated memory filters (animus._parse_memory_filter): NULL fields do not filter; metadata is a containment pattern.';

COMMIT;
