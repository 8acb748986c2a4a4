-- pgTAP: animus.memory_match, mirrored by the client.
BEGIN;
SELECT plan(2);

SELECT has_type('animus', 'memory_match', 'animus.memory_match exists');
SELECT is(
    (SELECT array_agg(format('%s %s', attname, format_type(atttypid, atttypmod)) ORDER BY attnum) FROM pg_attribute
      WHERE attrelid = 'animus.memory_match'::regclass AND attnum > 0),
    ARRAY['id bigint', 'content text', 'memory_type text', 'source text',
             'metadata jsonb', 'created_at timestamp with time zone',
             'score double precision']::text[],
    'memory_match has the columns of docs/sql-contract.md, in order');

SELECT * FROM finish();
ROLLBACK;
