-- pgTAP: animus.hybrid_match, mirrored by the client.
BEGIN;
SELECT plan(2);

SELECT has_type('animus', 'hybrid_match', 'animus.hybrid_match exists');
SELECT is(
    (SELECT array_agg(format('%s %s', attname, format_type(atttypid, atttypmod)) ORDER BY attnum) FROM pg_attribute
      WHERE attrelid = 'animus.hybrid_match'::regclass AND attnum > 0),
    ARRAY['id bigint', 'content text', 'memory_type text', 'source text',
             'metadata jsonb', 'created_at timestamp with time zone',
             'score double precision', 'vector_rank integer', 'keyword_rank integer']::text[],
    'hybrid_match has the columns of docs/sql-contract.md, in order');

SELECT * FROM finish();
ROLLBACK;
