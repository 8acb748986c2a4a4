-- Deploy animus:table_memories_scope to pg
-- A memory belongs to one scope: the isolation unit, a tenant or a tenant's user, agent or run
-- (the caller picks the granularity and may compose it, e.g. 'acme/user:42/agent:planner').
-- One text column, not three nullable ids: it is the dedup and key prefix, the value every
-- memory function matches exactly, and the key a later scale-out partitions by (a LIST or
-- HASH partition key and a Citus distribution column are each one column). Every existing
-- memory (v0.1.0's included) lands in 'default', which is also what a caller gets who names
-- no scope. ADD COLUMN with a constant default rewrites nothing.
-- Dedup of identical content and the key upsert are per scope: both unique constraints now
-- start with scope. Their b-trees also serve "WHERE scope = $1" lookups: the planner answers
-- a small scope's vector search from them exactly (fetch the scope's rows, sort by distance)
-- and a large scope's from the shared HNSW with the iterative scan (docs/memory.md, measured
-- by bench/scopes.py). The constraint names stay, so ON CONFLICT ON CONSTRAINT keeps working.
BEGIN;

ALTER TABLE animus.memories
    ADD COLUMN scope text NOT NULL DEFAULT 'default'
        CONSTRAINT memories_scope_format CHECK (octet_length(scope) <= 255 AND scope ~ '^[A-Za-z0-9._:@/=+-]+$');

ALTER TABLE animus.memories DROP CONSTRAINT memories_dedup_key;
ALTER TABLE animus.memories ADD CONSTRAINT memories_dedup_key
    UNIQUE NULLS NOT DISTINCT (scope, memory_type, content_hash, key, chunk_index);
ALTER TABLE animus.memories DROP CONSTRAINT memories_key_chunk;
ALTER TABLE animus.memories ADD CONSTRAINT memories_key_chunk UNIQUE (scope, key, chunk_index);

COMMENT ON COLUMN animus.memories.scope IS
    'The scope (tenant, user, agent or run) the memory belongs to; ''default'' unless named. '
    'Every memory function matches it exactly; content dedup and keys are per scope.';

COMMIT;
