-- pgTAP: animus.memories.
BEGIN;
SELECT plan(18);

SELECT has_table('animus', 'memories', 'animus.memories exists');
SELECT columns_are('animus', 'memories', ARRAY[
    'id', 'content', 'memory_type', 'source', 'metadata', 'embedding', 'embedding_model',
    'content_hash', 'search_text', 'created_at', 'updated_at', 'key', 'chunk_index', 'scope'],
    'memories has the seed columns plus content_hash, embedding_model, key, chunk_index and scope');
SELECT col_type_is('animus', 'memories', 'embedding', 'vector(' || animus.embedding_dim() || ')',
    'embedding has the deployed dimension');
SELECT col_is_null('animus', 'memories', 'embedding',
    'embedding may be NULL: a memory awaits re-embedding after set_embedding_dim (every store still requires one)');
SELECT col_default_is('animus', 'memories', 'metadata', '{}'::jsonb, 'metadata defaults to {}');
SELECT col_is_pk('animus', 'memories', 'id', 'id is the primary key');
SELECT col_is_unique('animus', 'memories', ARRAY['scope', 'memory_type', 'content_hash', 'key', 'chunk_index'],
    'scope + memory_type + content_hash is unique among unkeyed rows (dedup; NULLS NOT DISTINCT on key)');
SELECT is((SELECT indexdef ~ 'USING hnsw \(embedding vector_cosine_ops\)' FROM pg_indexes
           WHERE schemaname = 'animus' AND indexname = 'memories_embedding_idx'),
          true, 'HNSW index with cosine ops on embedding');
SELECT is((SELECT indexdef ~ 'WITH \(m=''16'', ef_construction=''128''\)' FROM pg_indexes
           WHERE schemaname = 'animus' AND indexname = 'memories_embedding_idx'),
          true, 'HNSW index built with m 16 and ef_construction 128 (the recall fix)');
SELECT is((SELECT indexdef ~ 'USING gin \(search_text\)' FROM pg_indexes
           WHERE schemaname = 'animus' AND indexname = 'memories_search_text_idx'),
          true, 'GIN index on search_text');
SELECT has_index('animus', 'memories', 'memories_memory_type_idx', 'index on memory_type');
SELECT has_index('animus', 'memories', 'memories_metadata_idx', 'GIN index on metadata for containment filters');
SELECT has_index('animus', 'memories', 'memories_created_at_idx', 'index on created_at for time filters');

-- search_text is generated from content with the english configuration.
INSERT INTO animus.memories (content, memory_type, embedding, content_hash)
VALUES ('Running tests daily', 'probe', array_fill(1, ARRAY[animus.embedding_dim()])::real[]::public.vector, '\x00');
SELECT is((SELECT search_text FROM animus.memories WHERE memory_type = 'probe'),
          to_tsvector('english', 'Running tests daily'), 'search_text is to_tsvector(english, content)');
SELECT throws_ok(
    $$INSERT INTO animus.memories (content, memory_type, embedding, content_hash, metadata)
      VALUES ('x', 'probe', array_fill(1, ARRAY[animus.embedding_dim()])::real[]::public.vector, '\x01', '[1]')$$,
    '23514', NULL, 'metadata must be an object (check constraint)');

-- No direct table access for either role: they go through the functions.
SELECT ok(NOT has_table_privilege('animus_app', 'animus.memories', 'SELECT'), 'animus_app cannot read the table directly');
SELECT ok(NOT has_table_privilege('animus_app', 'animus.memories', 'INSERT'), 'animus_app cannot write the table directly');
SELECT ok(NOT has_table_privilege('animus_ops', 'animus.memories', 'DELETE'), 'animus_ops cannot delete from the table directly');

SELECT * FROM finish();
ROLLBACK;
