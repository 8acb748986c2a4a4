-- Deploy animus:table_memory_corpus_stats to pg
-- BM25 needs the number of documents and their average length. Counting them per query costs a
-- scan of animus.memories, so statement-level triggers keep running totals instead. The totals
-- are split over 8 shard rows chosen by backend pid, so concurrent writers rarely wait on the
-- same row, and each statement touches one row only, so they cannot deadlock.
BEGIN;

CREATE TABLE animus.memory_corpus_stats (
    shard     smallint PRIMARY KEY CHECK (shard BETWEEN 0 AND 7),
    documents bigint NOT NULL DEFAULT 0,
    lexemes   bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE animus.memory_corpus_stats IS
    'Running totals over animus.memories for BM25: documents and distinct lexemes (sum of '
    'length(search_text)), in 8 shards to spread concurrent writers. Sum the shards to read.';

-- Seed from existing rows (none on a fresh deploy; correct after a rework as well).
INSERT INTO animus.memory_corpus_stats (shard, documents, lexemes)
SELECT 0, count(*), coalesce(sum(length(search_text)), 0) FROM animus.memories;

CREATE FUNCTION animus._memories_corpus_stats() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    delta_documents bigint := 0;
    delta_lexemes bigint := 0;
    n bigint;
    l bigint;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT count(*), coalesce(sum(length(search_text)), 0) INTO n, l FROM new_rows;
        delta_documents := delta_documents + n;
        delta_lexemes := delta_lexemes + l;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT count(*), coalesce(sum(length(search_text)), 0) INTO n, l FROM old_rows;
        delta_documents := delta_documents - n;
        delta_lexemes := delta_lexemes - l;
    END IF;
    IF delta_documents <> 0 OR delta_lexemes <> 0 THEN
        INSERT INTO animus.memory_corpus_stats AS s (shard, documents, lexemes)
        VALUES ((pg_backend_pid() % 8)::smallint, delta_documents, delta_lexemes)
        ON CONFLICT (shard) DO UPDATE
            SET documents = s.documents + EXCLUDED.documents,
                lexemes = s.lexemes + EXCLUDED.lexemes;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION animus._memories_corpus_stats() IS
    'Private statement trigger on animus.memories: keeps animus.memory_corpus_stats current. Raises nothing of its own.';
REVOKE EXECUTE ON FUNCTION animus._memories_corpus_stats() FROM PUBLIC;

CREATE TRIGGER memories_corpus_stats_insert AFTER INSERT ON animus.memories
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION animus._memories_corpus_stats();
CREATE TRIGGER memories_corpus_stats_update AFTER UPDATE ON animus.memories
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION animus._memories_corpus_stats();
CREATE TRIGGER memories_corpus_stats_delete AFTER DELETE ON animus.memories
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION animus._memories_corpus_stats();

COMMIT;
