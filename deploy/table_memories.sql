-- Deploy animus:table_memories to pg
-- The embedding dimension comes from the Sqitch variable embedding_dim (a psql variable here,
-- outside any $$ body). Rows are written only through animus.store_memory(ies).
BEGIN;

CREATE TABLE animus.memories (
    id              bigserial PRIMARY KEY,
    content         text NOT NULL,
    memory_type     text NOT NULL,
    source          text,
    metadata        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    embedding       public.vector(:embedding_dim) NOT NULL,
    embedding_model text,
    -- sha256 of the UTF-8 content: the dedup key together with memory_type.
    content_hash    bytea NOT NULL,
    search_text     tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, content)) STORED,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT memories_dedup_key UNIQUE (memory_type, content_hash)
);

COMMENT ON TABLE animus.memories IS
    'Semantic memory: content with its embedding (HNSW, cosine) and a generated tsvector (GIN). '
    'One row per (memory_type, content); write through animus.store_memory / store_memories.';
COMMENT ON COLUMN animus.memories.content_hash IS 'sha256 of content (UTF-8); unique with memory_type.';
COMMENT ON COLUMN animus.memories.embedding_model IS 'The model that produced embedding, e.g. all-MiniLM-L6-v2.';
COMMENT ON COLUMN animus.memories.search_text IS 'to_tsvector(''english'', content), for the keyword leg.';

-- ef_construction 128 (pgvector's default is 64): on 100k clustered 384-dim vectors the default
-- graph left some clusters poorly linked, so a query could land in the wrong one (recall@10
-- 0.9675 at ef_search 100, one query at 0.0); 128 gave 1.000 at the same query cost. The price
-- is a slower build and insert (about 2x). See docs/benchmarks.md.
CREATE INDEX memories_embedding_idx ON animus.memories
    USING hnsw (embedding public.vector_cosine_ops) WITH (m = 16, ef_construction = 128);
CREATE INDEX memories_search_text_idx ON animus.memories USING gin (search_text);
CREATE INDEX memories_memory_type_idx ON animus.memories (memory_type);
CREATE INDEX memories_source_idx ON animus.memories (source);
CREATE INDEX memories_created_at_idx ON animus.memories (created_at);
CREATE INDEX memories_metadata_idx ON animus.memories USING gin (metadata jsonb_path_ops);

COMMIT;
