-- pgTAP: animus.work_result (following merges) and the animus_settled trigger.
BEGIN;
SELECT plan(8);

SELECT has_function('animus', 'work_result', ARRAY['uuid'], 'animus.work_result exists');
SELECT function_returns('animus', 'work_result', ARRAY['uuid'], 'animus.work_result', 'it returns animus.work_result');
SELECT is_definer('animus', 'work_result', ARRAY['uuid'], 'it is SECURITY DEFINER');
SELECT has_trigger('animus', 'work_items', 'work_items_settled', 'work_items has the settled trigger');

SELECT animus.create_queue('pgtap_result');
CREATE TEMP TABLE a AS SELECT * FROM animus.submit_work('pgtap_result', 'pgtap_res', 'agent', dedup_key => 'k');
CREATE TEMP TABLE b AS SELECT * FROM animus.submit_work('pgtap_result', 'pgtap_res', 'agent', dedup_key => 'k');
SELECT throws_ok($$SELECT animus.work_result(gen_random_uuid())$$, 'AN003', NULL, 'an unknown id is AN003');
SELECT results_eq($$SELECT resolved_id, state FROM animus.work_result((SELECT work_id FROM b))$$,
    $$SELECT work_id, 'queued'::text FROM a$$, 'a merged submission resolves to the item that absorbed it');
CREATE TEMP TABLE got AS SELECT * FROM animus.read_work('pgtap_result', 30);
SELECT animus.complete_work((SELECT work_id FROM a), '{"answer": 42}', 3, (SELECT lease FROM got));
SELECT results_eq($$SELECT state, outcome_data, cancelled FROM animus.work_result((SELECT work_id FROM b))$$,
    $$VALUES ('completed', '{"answer": 42}'::jsonb, false)$$, 'and carries its outcome once completed');
CREATE TEMP TABLE c AS SELECT * FROM animus.submit_work('pgtap_result', 'pgtap_res', 'agent');
SELECT animus.cancel_work((SELECT work_id FROM c), 'not needed');
SELECT results_eq($$SELECT state, cancelled, outcome_error FROM animus.work_result((SELECT work_id FROM c))$$,
    $$VALUES ('dead', true, 'cancelled: not needed')$$, 'a cancelled item is dead and says so');

SELECT * FROM finish();
ROLLBACK;
