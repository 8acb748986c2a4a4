-- Revert animus:table_memories_scope from pg
-- Without scopes two tenants' copies of one content (or one key) would collide, and choosing
-- which to keep would lose a tenant's data silently: the revert refuses while any memory is
-- outside the default scope. Forget or export those first.
BEGIN;

DO $$
BEGIN
    IF EXISTS (SELECT FROM animus.memories WHERE scope <> 'default') THEN
        RAISE EXCEPTION 'memories outside the default scope exist; reverting scopes would merge or lose them'
            USING ERRCODE = 'AN026',
                  HINT = 'Forget them first (SELECT animus.forget_memories(''{}'', "all" => true, scope => ...)), or keep this change.';
    END IF;
END
$$;

ALTER TABLE animus.memories DROP CONSTRAINT memories_key_chunk;
ALTER TABLE animus.memories ADD CONSTRAINT memories_key_chunk UNIQUE (key, chunk_index);
ALTER TABLE animus.memories DROP CONSTRAINT memories_dedup_key;
ALTER TABLE animus.memories ADD CONSTRAINT memories_dedup_key
    UNIQUE NULLS NOT DISTINCT (memory_type, content_hash, key, chunk_index);
ALTER TABLE animus.memories DROP COLUMN scope;

COMMIT;
