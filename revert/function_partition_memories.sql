-- Revert animus:function_partition_memories from pg
-- The deployed layout before this change is one plain table: a partitioned animus.memories is
-- rebuilt plain first (every memory kept), since earlier reverts (table_memories_scope drops
-- the partition key) expect it.
BEGIN;

DO $$
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = 'animus.memories'::regclass) = 'p' THEN
        PERFORM animus.unpartition_memories();
    END IF;
END
$$;

DROP FUNCTION animus.unpartition_memories();
DROP FUNCTION animus.partition_memories(integer);
DROP FUNCTION animus._rebuild_memories(integer);

COMMIT;
