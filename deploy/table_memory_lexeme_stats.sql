-- Deploy animus:table_memory_lexeme_stats to pg
-- BM25 needs each query lexeme's document frequency. Counting it through the GIN index costs
-- one index scan per lexeme, growing with the corpus; this table keeps the counts instead, so
-- the keyword leg reads one short index range per lexeme.
--
-- Concurrent writers must not queue on one row per common lexeme ("use", "return"): each
-- lexeme has up to 16 shard rows, and a statement adds to the shard of its backend
-- (pg_backend_pid() % 16). Two stores wait on each other only when their backends share a
-- shard and their texts share a lexeme. Within a statement the rows are upserted in lexeme
-- order, so two single-statement writers (store_memory, store_memories, forget_memories)
-- lock in the same order and cannot deadlock. Readers sum the shards.
BEGIN;

CREATE TABLE animus.memory_lexeme_stats (
    lexeme    text NOT NULL,
    shard     smallint NOT NULL CHECK (shard BETWEEN 0 AND 15),
    documents bigint NOT NULL,
    PRIMARY KEY (lexeme, shard)
);
COMMENT ON TABLE animus.memory_lexeme_stats IS
    'Document frequency of every lexeme of animus.memories.search_text, for BM25: sum documents '
    'over the shards of a lexeme. Maintained by statement triggers; 16 shards by backend spread '
    'concurrent writers. Rows may hold 0 after deletes.';

-- Seed from existing rows (an upgrade keeps its memories): one shard row per lexeme.
INSERT INTO animus.memory_lexeme_stats (lexeme, shard, documents)
SELECT word, 0, ndoc FROM ts_stat('SELECT search_text FROM animus.memories');

CREATE FUNCTION animus._memories_lexeme_stats() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Only the tsvector's distinct lexemes count (document frequency, not term frequency).
    -- A dedup update of store_memory leaves content, and so the lexemes, unchanged: the
    -- UPDATE branch nets to zero and writes nothing.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO animus.memory_lexeme_stats AS s (lexeme, shard, documents)
        SELECT l.lexeme, (pg_backend_pid() % 16)::smallint, count(*)
        FROM new_rows AS r CROSS JOIN LATERAL unnest(tsvector_to_array(r.search_text)) AS l(lexeme)
        GROUP BY l.lexeme
        ORDER BY l.lexeme
        ON CONFLICT (lexeme, shard) DO UPDATE SET documents = s.documents + EXCLUDED.documents;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO animus.memory_lexeme_stats AS s (lexeme, shard, documents)
        SELECT l.lexeme, (pg_backend_pid() % 16)::smallint, -count(*)
        FROM old_rows AS r CROSS JOIN LATERAL unnest(tsvector_to_array(r.search_text)) AS l(lexeme)
        GROUP BY l.lexeme
        ORDER BY l.lexeme
        ON CONFLICT (lexeme, shard) DO UPDATE SET documents = s.documents + EXCLUDED.documents;
    ELSE
        -- UPDATE: only rows whose text changed move counts (a dedup update changes none).
        INSERT INTO animus.memory_lexeme_stats AS s (lexeme, shard, documents)
        SELECT d.lexeme, (pg_backend_pid() % 16)::smallint, d.delta
        FROM (
            SELECT x.lexeme, sum(x.sign)::bigint AS delta
            FROM old_rows AS o
            JOIN new_rows AS n ON n.id = o.id AND n.search_text IS DISTINCT FROM o.search_text
            CROSS JOIN LATERAL (
                SELECT u.lexeme, -1 AS sign FROM unnest(tsvector_to_array(o.search_text)) AS u(lexeme)
                UNION ALL
                SELECT u.lexeme, 1 FROM unnest(tsvector_to_array(n.search_text)) AS u(lexeme)
            ) AS x
            GROUP BY x.lexeme
        ) AS d
        WHERE d.delta <> 0
        ORDER BY d.lexeme
        ON CONFLICT (lexeme, shard) DO UPDATE SET documents = s.documents + EXCLUDED.documents;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION animus._memories_lexeme_stats() IS
    'Private statement trigger on animus.memories: keeps animus.memory_lexeme_stats current. Raises nothing of its own.';
REVOKE EXECUTE ON FUNCTION animus._memories_lexeme_stats() FROM PUBLIC;

CREATE TRIGGER memories_lexeme_stats_insert AFTER INSERT ON animus.memories
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION animus._memories_lexeme_stats();
CREATE TRIGGER memories_lexeme_stats_update AFTER UPDATE ON animus.memories
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION animus._memories_lexeme_stats();
CREATE TRIGGER memories_lexeme_stats_delete AFTER DELETE ON animus.memories
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION animus._memories_lexeme_stats();

COMMIT;
