-- pgTAP: animus.work_provenance(work_id).
BEGIN;
SELECT plan(8);

SELECT has_function('animus', 'work_provenance', ARRAY['uuid'], 'animus.work_provenance(uuid) exists');
SELECT is_definer('animus', 'work_provenance', ARRAY['uuid'], 'it is SECURITY DEFINER');
SELECT volatility_is('animus', 'work_provenance', ARRAY['uuid'], 'stable', 'it is stable');

SELECT animus.create_queue('pgtap_prov');
CREATE TEMP TABLE parent AS SELECT * FROM animus.submit_work('pgtap_prov', 'plan', 'planner');
CREATE TEMP TABLE item AS SELECT * FROM animus.submit_work('pgtap_prov', 'step', 'planner', dedup_key => 's1', parent_id => (SELECT work_id FROM parent));
CREATE TEMP TABLE dup AS SELECT * FROM animus.submit_work('pgtap_prov', 'step', 'other-agent', dedup_key => 's1', trigger_info => 'retry');
CREATE TEMP TABLE kid AS SELECT * FROM animus.submit_work('pgtap_prov', 'substep', 'worker', parent_id => (SELECT work_id FROM item));

SELECT results_eq(
    $$SELECT relation, id, source FROM animus.work_provenance((SELECT work_id FROM item))$$,
    $$VALUES ('self', (SELECT work_id FROM item), 'planner'),
             ('parent', (SELECT work_id FROM parent), 'planner'),
             ('child', (SELECT work_id FROM kid), 'worker'),
             ('merged', (SELECT work_id FROM dup), 'other-agent')$$,
    'an item shows itself, its parent, its children and the submissions merged into it');
SELECT results_eq(
    $$SELECT relation, id FROM animus.work_provenance((SELECT work_id FROM dup))$$,
    $$VALUES ('self', (SELECT work_id FROM dup)), ('merged_into', (SELECT work_id FROM item))$$,
    'a merged submission shows the item it was merged into');
SELECT is((SELECT trigger_info FROM animus.work_provenance((SELECT work_id FROM item)) WHERE relation = 'merged'), 'retry',
    'merged submissions keep their own trigger_info');
SELECT throws_ok($$SELECT * FROM animus.work_provenance(gen_random_uuid())$$, 'AN003', NULL, 'an unknown id is AN003');
SELECT ok(has_function_privilege('animus_ops', 'animus.work_provenance(uuid)', 'EXECUTE')
          AND NOT has_function_privilege('animus_app', 'animus.work_provenance(uuid)', 'EXECUTE'),
    'animus_ops may call it, animus_app may not');

SELECT * FROM finish();
ROLLBACK;
