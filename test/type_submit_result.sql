-- pgTAP: animus.submit_result.
BEGIN;
SELECT plan(2);

SELECT has_type('animus', 'submit_result', 'animus.submit_result exists');
SELECT is(
    (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
     FROM pg_attribute WHERE attrelid = 'animus.submit_result'::regclass AND attnum > 0),
    'work_id uuid, status text, merged_into uuid, msg_id bigint',
    'its columns are those of docs/sql-contract.md');

SELECT * FROM finish();
ROLLBACK;
