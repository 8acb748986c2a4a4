-- pgTAP: animus.stored_documents(keys, scope): what a scope holds under document keys, for an
-- importer that skips unchanged files. Own keys and scopes only: the suite also runs on an
-- upgraded database.
BEGIN;
SELECT plan(12);

SELECT has_function('animus', 'stored_documents', ARRAY['text[]', 'text'], 'animus.stored_documents(text[], text) exists');
SELECT is_definer('animus', 'stored_documents', ARRAY['text[]', 'text'], 'it is security definer');
SELECT volatility_is('animus', 'stored_documents', ARRAY['text[]', 'text'], 'stable', 'it is read-only (runs on a standby)');

SELECT count(*) FROM animus.store_document('sd/a.md', 'sd_doc',
    '[{"content": "first chunk", "embedding": [1,0,0]}, {"content": "second chunk", "embedding": [0,1,0]}]',
    'a.md', '{"content_sha256": "abc"}', 'model-1', scope => 'sd-tenant');
SELECT count(*) FROM animus.store_document('sd/a.md', 'sd_doc',
    '[{"content": "the other scope''s", "embedding": [0,0,1]}]', NULL, '{}', 'model-1', scope => 'sd-other');

SELECT results_eq(
    $$SELECT key, chunks, memory_type, source, metadata->>'content_sha256', embedding_model
      FROM animus.stored_documents(ARRAY['sd/a.md', 'sd/missing.md'], 'sd-tenant')$$,
    $$VALUES ('sd/a.md', 2, 'sd_doc', 'a.md', 'abc', 'model-1')$$,
    'one row per stored key: chunks, chunk 0''s type, source and metadata, the model; none for a missing key');
SELECT is((SELECT chunks FROM animus.stored_documents(ARRAY['sd/a.md'], 'sd-other')), 1,
          'another scope''s document of the same key is its own');
SELECT is_empty($$SELECT * FROM animus.stored_documents(ARRAY['sd/a.md'])$$,
                'the default scope holds neither');

UPDATE animus.memories SET embedding_model = 'model-2'
WHERE scope = 'sd-tenant' AND key = 'sd/a.md' AND chunk_index = 1;
SELECT is((SELECT embedding_model FROM animus.stored_documents(ARRAY['sd/a.md'], 'sd-tenant')), NULL,
          'chunks of two models (a re-embed under way) give no single model');

SELECT throws_ok($$SELECT * FROM animus.stored_documents(NULL, 'sd-tenant')$$, 'AN008', NULL, 'NULL keys: AN008');
SELECT throws_ok($$SELECT * FROM animus.stored_documents(array_fill('k'::text, ARRAY[10001]), 'sd-tenant')$$,
                 'AN008', NULL, 'over 10000 keys: AN008');
SELECT throws_ok($$SELECT * FROM animus.stored_documents(ARRAY['x'], 'bad scope!')$$, 'AN026', NULL, 'a bad scope: AN026');

SET LOCAL ROLE animus_app;
SELECT is((SELECT chunks FROM animus.stored_documents(ARRAY['sd/a.md'], 'sd-tenant')), 2, 'animus_app may call it');
RESET ROLE;
SET LOCAL ROLE animus_ops;
SELECT throws_ok($$SELECT * FROM animus.stored_documents(ARRAY['x'])$$, '42501', NULL, 'animus_ops may not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
