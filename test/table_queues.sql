-- pgTAP: animus.queues.
BEGIN;
SELECT plan(6);

SELECT has_table('animus', 'queues', 'animus.queues exists');
SELECT col_is_pk('animus', 'queues', 'queue_name', 'queue_name is the primary key');
SELECT col_not_null('animus', 'queues', 'created_at', 'created_at is NOT NULL');
SELECT throws_ok($$INSERT INTO animus.queues (queue_name) VALUES ('Bad-Name')$$, '23514',
    NULL, 'a name that is not [a-z_][a-z0-9_]* cannot be stored');
SELECT ok(has_table_privilege('animus_ops', 'animus.queues', 'SELECT'), 'animus_ops may read it');
SELECT ok(NOT has_table_privilege('animus_app', 'animus.queues', 'INSERT'), 'animus_app may not write it directly');

SELECT * FROM finish();
ROLLBACK;
