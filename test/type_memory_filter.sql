-- pgTAP: animus.memory_filter, the parsed filters.
BEGIN;
SELECT plan(2);

SELECT has_type('animus', 'memory_filter', 'animus.memory_filter exists');
SELECT is(
    (SELECT array_agg(format('%s %s', attname, format_type(atttypid, atttypmod)) ORDER BY attnum) FROM pg_attribute
      WHERE attrelid = 'animus.memory_filter'::regclass AND attnum > 0),
    ARRAY['memory_types text[]', 'source text', 'metadata jsonb',
             'created_after timestamp with time zone', 'created_before timestamp with time zone']::text[],
    'memory_filter has one field per filter key');

SELECT * FROM finish();
ROLLBACK;
