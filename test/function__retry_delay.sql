-- pgTAP: animus._retry_delay(queue_name, attempts, work_type), the one backoff formula, as
-- fail_work applies it: the work type's policy when it sets a base, else the queue's.
BEGIN;
SELECT plan(8);

SELECT has_function('animus', '_retry_delay', ARRAY['text', 'integer', 'text'], 'animus._retry_delay(text, integer, text) exists');
SELECT hasnt_function('animus', '_retry_delay', ARRAY['text', 'integer'], 'the two-argument form is gone (one formula)');
SELECT is_definer('animus', '_retry_delay', ARRAY['text', 'integer', 'text'], 'it is SECURITY DEFINER');

SELECT animus.create_queue('pgtap_backoff');
SELECT animus.set_queue_policy('pgtap_backoff', 0);                        -- the queue retries at once
SELECT animus.set_work_type_policy('pgtap_slow_type', retry_base_seconds => 600, retry_cap_seconds => 600);
SELECT animus.set_work_type_policy('pgtap_capped_only', max_attempts => 3); -- no base: the queue's backoff

CREATE TEMP TABLE sub AS
SELECT t AS work_type, s.*
FROM unnest(ARRAY['pgtap_plain_type', 'pgtap_slow_type', 'pgtap_capped_only']) AS t,
     LATERAL animus.submit_work('pgtap_backoff', t, 'agent', dedup_key => 'k') AS s;
SELECT is((SELECT count(*)::int FROM animus.read_work('pgtap_backoff', 30, 10)), 3, 'three deliveries');
SELECT is((SELECT array_agg(animus.fail_work(work_id, 'boom') ORDER BY work_type) FROM sub),
    ARRAY['queued', 'queued', 'queued'], 'each failure requeues');

SELECT cmp_ok((SELECT vt FROM pgmq.q_pgtap_backoff WHERE msg_id = (SELECT msg_id FROM sub WHERE work_type = 'pgtap_slow_type')),
    '>=', now() + interval '300 seconds', 'a type whose policy sets a base backs off by its own policy (600 s, half random)');
SELECT cmp_ok((SELECT max(vt) FROM pgmq.q_pgtap_backoff
               WHERE msg_id IN (SELECT msg_id FROM sub WHERE work_type <> 'pgtap_slow_type')),
    '<=', clock_timestamp(), 'a type without a policy, or whose policy sets no base, takes the queue''s backoff (0)');
SELECT is(animus._retry_delay('pgtap_no_such_queue', 1, 'pgtap_slow_type'), NULL, 'NULL for an unknown queue');

SELECT * FROM finish();
ROLLBACK;
