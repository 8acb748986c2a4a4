-- Deploy animus:table_memories_key to pg
-- A memory may carry an external key (a document path, a URL, a message id). A key names a
-- memory or a document of chunks (chunk_index 0, 1, ...): storing the key again replaces what
-- it names (animus.store_document), and (key, chunk_index) is unique across memory types.
-- Content dedup stays for unkeyed memories, per memory_type: the dedup constraint now also
-- holds key and chunk_index with NULLS NOT DISTINCT, so two unkeyed rows (key NULL, chunk 0)
-- of one type and content still collide (store_memory's ON CONFLICT ON CONSTRAINT keeps
-- working unchanged), while keyed rows never merge by content: two documents that share a
-- paragraph keep a chunk each.
BEGIN;

ALTER TABLE animus.memories
    ADD COLUMN key text CHECK (key <> '' AND octet_length(key) <= 4096),
    ADD COLUMN chunk_index integer NOT NULL DEFAULT 0 CHECK (chunk_index >= 0),
    ADD CONSTRAINT memories_unkeyed_chunk CHECK (key IS NOT NULL OR chunk_index = 0),
    ADD CONSTRAINT memories_key_chunk UNIQUE (key, chunk_index);

ALTER TABLE animus.memories DROP CONSTRAINT memories_dedup_key;
ALTER TABLE animus.memories ADD CONSTRAINT memories_dedup_key
    UNIQUE NULLS NOT DISTINCT (memory_type, content_hash, key, chunk_index);

COMMENT ON COLUMN animus.memories.key IS
    'External key (document path, URL, message id), or NULL. Storing the key again replaces its memory or chunks.';
COMMENT ON COLUMN animus.memories.chunk_index IS
    'Position of the chunk within its keyed document (0 for a single memory and for unkeyed rows).';

COMMIT;
