-- pgTAP: animus.release_work, the per-type retry policy in fail_work, the attempt history, and
-- complete_work clearing outcome_error.
BEGIN;
SELECT plan(18);

SELECT has_function('animus', 'release_work', ARRAY['uuid', 'text', 'integer', 'integer'], 'animus.release_work exists');
SELECT is_definer('animus', 'release_work', ARRAY['uuid', 'text', 'integer', 'integer'], 'it is SECURITY DEFINER');
SELECT has_function('animus', 'set_work_type_policy', ARRAY['text', 'integer', 'integer', 'integer'], 'animus.set_work_type_policy exists');

SELECT animus.create_queue('pgtap_release');
CREATE TEMP TABLE sub AS SELECT * FROM animus.submit_work('pgtap_release', 'pgtap_rel_job', 'agent', max_attempts => 2);
CREATE TEMP TABLE got AS SELECT * FROM animus.read_work('pgtap_release', 30);
SELECT throws_ok($$SELECT animus.release_work((SELECT work_id FROM sub), '', 0)$$, 'AN008', NULL, 'an empty reason is AN008');
SELECT throws_ok($$SELECT animus.release_work((SELECT work_id FROM sub), 'x', -1)$$, 'AN008', NULL, 'a negative delay is AN008');
SELECT throws_ok($$SELECT animus.release_work((SELECT work_id FROM sub), 'x', 0, (SELECT lease FROM got) + 1)$$, 'AN015', NULL,
    'a stale lease is AN015');
SELECT is(animus.release_work((SELECT work_id FROM sub), 'no handler for pgtap_rel_job', 0, (SELECT lease FROM got)), 'queued',
    'release_work hands the item back');
SELECT results_eq($$SELECT w.state, w.attempts, w.outcome_error, a.kind, a.attempt FROM animus.work_items w JOIN animus.work_attempts a ON a.work_id = w.id WHERE w.id = (SELECT work_id FROM sub)$$,
    $$VALUES ('queued', 0, 'no handler for pgtap_rel_job', 'handed_back', 1)$$, 'the attempt is not counted, the reason is kept');
SELECT throws_ok($$SELECT animus.release_work((SELECT work_id FROM sub), 'x', 0, (SELECT lease FROM got))$$, 'AN015', NULL,
    'the old delivery cannot release it again');

-- Two failures with max_attempts 2: the second dead-letters; both errors are in the history.
DELETE FROM got; INSERT INTO got SELECT * FROM animus.read_work('pgtap_release', 30);
SELECT is((SELECT attempts FROM got), 1, 'the released item is delivered again as its first attempt');
SELECT is(animus.fail_work((SELECT work_id FROM sub), 'first', 0, (SELECT lease FROM got)), 'queued', 'first failure');
DELETE FROM got; INSERT INTO got SELECT * FROM animus.read_work('pgtap_release', 30);
SELECT is(animus.fail_work((SELECT work_id FROM sub), 'second', 0, (SELECT lease FROM got)), 'dead', 'second failure dead-letters');
SELECT results_eq($$SELECT attempt, kind, error FROM animus.work_attempts WHERE work_id = (SELECT work_id FROM sub) ORDER BY id$$,
    $$VALUES (1, 'handed_back', 'no handler for pgtap_rel_job'), (1, 'failed', 'first'), (2, 'failed', 'second')$$,
    'work_attempts keeps every attempt in order');

-- The work type's policy: max_attempts for items without one, and the backoff.
SELECT throws_ok($$SELECT animus.set_work_type_policy('pgtap_rel_typed', 0)$$, 'AN008', NULL, 'max_attempts 0 is AN008');
SELECT lives_ok($$SELECT animus.set_work_type_policy('pgtap_rel_typed', 1, 600, 600)$$, 'set a policy');
CREATE TEMP TABLE typed AS SELECT * FROM animus.submit_work('pgtap_release', 'pgtap_rel_typed', 'agent');
DELETE FROM got; INSERT INTO got SELECT * FROM animus.read_work('pgtap_release', 30);
SELECT is(animus.fail_work((SELECT work_id FROM typed), 'once', NULL, (SELECT lease FROM got)), 'dead',
    'the type''s max_attempts 1 dead-letters at the first failure');
SELECT animus.set_work_type_policy('pgtap_rel_typed', 3, 600, 600);
DELETE FROM typed; INSERT INTO typed SELECT * FROM animus.submit_work('pgtap_release', 'pgtap_rel_typed', 'agent');
DELETE FROM got; INSERT INTO got SELECT * FROM animus.read_work('pgtap_release', 30);
SELECT animus.fail_work((SELECT work_id FROM typed), 'again', NULL, (SELECT lease FROM got));
SELECT cmp_ok((SELECT vt FROM pgmq.q_pgtap_release WHERE msg_id = (SELECT msg_id FROM typed)), '>', now() + interval '290 seconds',
    'the retry waits the type''s backoff (base 600, half of it jittered)');

-- A completed item carries no outcome_error; its history stays.
UPDATE pgmq.q_pgtap_release SET vt = now() - interval '1 second';
DELETE FROM got; INSERT INTO got SELECT * FROM animus.read_work('pgtap_release', 30);
SELECT animus.complete_work((SELECT work_id FROM typed), '{"ok": true}', 1, (SELECT lease FROM got));
SELECT results_eq($$SELECT state, outcome_error, (SELECT count(*)::int FROM animus.work_attempts a WHERE a.work_id = w.id) FROM animus.work_items w WHERE id = (SELECT work_id FROM typed)$$,
    $$VALUES ('completed', NULL::text, 1)$$, 'completion clears outcome_error and keeps the history');

SELECT * FROM finish();
ROLLBACK;
