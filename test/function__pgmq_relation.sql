-- pgTAP: animus._pgmq_relation and animus._pgmq_relations, the one place that knows pgmq's names.
BEGIN;
SELECT plan(8);

SELECT has_function('animus', '_pgmq_relation', ARRAY['text', 'text'], 'animus._pgmq_relation(text, text) exists');
SELECT volatility_is('animus', '_pgmq_relation', ARRAY['text', 'text'], 'immutable', 'it is immutable');
SELECT throws_ok($$SELECT animus._pgmq_relation('x', 'heap')$$, 'AN000', NULL, 'an unknown kind is refused');
SELECT ok(NOT has_function_privilege('animus_app', 'animus._pgmq_relation(text, text)', 'EXECUTE'),
    'animus_app cannot call it');

SELECT animus.create_queue('pgtap_rel');
-- Every name the helper gives is a relation pgmq really created for the queue, and vice versa.
SELECT set_eq(
    $$SELECT unnest(animus._pgmq_relations('pgtap_rel'))::name$$,
    $$SELECT c.relname FROM pg_class c
      WHERE c.relnamespace = 'pgmq'::regnamespace AND position('pgtap_rel' IN c.relname) > 0
        -- animus's own index on the queue table (read_work's priority order), not pgmq's.
        AND c.relname <> animus._priority_index('pgtap_rel')$$,
    'the names are exactly the relations pgmq created for the queue');
SELECT is(pg_get_serial_sequence(format('pgmq.%I', animus._pgmq_relation('pgtap_rel', 'queue')), 'msg_id'),
    format('pgmq.%I', animus._pgmq_relation('pgtap_rel', 'msg_id_seq')), 'msg_id_seq is the queue''s identity sequence');
SELECT is(cardinality(animus._pgmq_relations('pgtap_rel')), 7, 'seven relations per queue');
SELECT is((SELECT relkind::text FROM pg_class WHERE oid = format('pgmq.%I', animus._pgmq_relation('pgtap_rel', 'archive'))::regclass),
    'r', 'archive is a table');

SELECT * FROM finish();
ROLLBACK;
