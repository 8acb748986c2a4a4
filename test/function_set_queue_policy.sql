-- pgTAP: animus.set_queue_policy and the backoff fail_work applies without an explicit delay.
BEGIN;
SELECT plan(11);

SELECT has_function('animus', 'set_queue_policy', ARRAY['text', 'integer', 'integer'], 'set_queue_policy exists');
SELECT animus.create_queue('pgtap_policy');
SELECT results_eq($$SELECT retry_base_seconds, retry_cap_seconds FROM animus.queues WHERE queue_name = 'pgtap_policy'$$,
    $$VALUES (0, 3600)$$, 'a new queue retries at once (base 0), as v0.1.0 did');

-- Base 0: fail_work without a delay makes the item visible at once.
CREATE TEMP TABLE a AS SELECT * FROM animus.submit_work('pgtap_policy', 'job', 'agent');
SELECT is((SELECT count(*)::int FROM animus.read_work('pgtap_policy', 3600)), 1, 'read');
SELECT is(animus.fail_work((SELECT work_id FROM a), 'boom'), 'queued', 'failed without a delay');
SELECT ok((SELECT vt <= clock_timestamp() FROM pgmq.q_pgtap_policy WHERE msg_id = (SELECT msg_id FROM a)),
    'base 0: visible again at once');

-- Base 10, cap 25: attempt 1 waits 5..10 s, attempt 2 10..20 s, attempt 3 12.5..25 s (capped).
SELECT lives_ok($$SELECT animus.set_queue_policy('pgtap_policy', 10, 25)$$, 'the policy is set');
CREATE TEMP TABLE waits (attempt int, secs float8);
DO $$
DECLARE
    id uuid := (SELECT work_id FROM a);
    n int;
BEGIN
    FOR n IN 2..4 LOOP
        UPDATE pgmq.q_pgtap_policy SET vt = clock_timestamp() WHERE msg_id = (SELECT msg_id FROM a);
        PERFORM animus.read_work('pgtap_policy', 3600);
        PERFORM animus.fail_work(id, 'boom');
        INSERT INTO waits SELECT n, extract(epoch FROM vt - clock_timestamp()) FROM pgmq.q_pgtap_policy WHERE msg_id = (SELECT msg_id FROM a);
    END LOOP;
END
$$;
SELECT ok((SELECT secs BETWEEN 9 AND 20 FROM waits WHERE attempt = 2), 'attempt 2 waits base * 2 with jitter (10..20 s)');
SELECT ok((SELECT secs BETWEEN 11.5 AND 25 FROM waits WHERE attempt = 3), 'attempt 3 is capped at 25 s, half jittered');
SELECT ok((SELECT secs BETWEEN 11.5 AND 25 FROM waits WHERE attempt = 4), 'and stays at the cap');

SELECT throws_ok($$SELECT animus.set_queue_policy('pgtap_policy', -1, 10)$$, 'AN008', NULL, 'a negative base is AN008');
SELECT throws_ok($$SELECT animus.set_queue_policy('pgtap_policy', 10, 5)$$, 'AN008', NULL, 'a cap below the base is AN008');

SELECT * FROM finish();
ROLLBACK;
