-- pgTAP: animus.forget_memory(id).
BEGIN;
SELECT plan(8);

SELECT has_function('animus', 'forget_memory', ARRAY['bigint', 'text'], 'animus.forget_memory(bigint, text) exists');
SELECT function_returns('animus', 'forget_memory', ARRAY['bigint', 'text'], 'boolean', 'it returns whether a memory was forgotten');
SELECT is_definer('animus', 'forget_memory', ARRAY['bigint', 'text'], 'it is security definer');

SELECT animus.store_memory('forget me', 'fg', '[1, 0, 0]') AS gone \gset
SELECT animus.store_memory('keep me', 'fg', '[0, 1, 0]') AS kept \gset
SELECT is(animus.forget_memory(:gone), true, 'forgetting an existing memory returns true');
SELECT is(ARRAY(SELECT content FROM animus.memories WHERE memory_type = 'fg'), ARRAY['keep me'], 'only that memory is gone');
SELECT is(animus.forget_memory(:gone), false, 'forgetting it again returns false');

SET LOCAL ROLE animus_app;
SELECT is(animus.forget_memory(:kept), true, 'animus_app may forget');
RESET ROLE;
SET LOCAL ROLE animus_ops;
SELECT throws_ok('SELECT animus.forget_memory(1)', '42501', NULL, 'animus_ops may not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
