-- pgTAP: animus._parse_memory_filter(), the one validator of memory filters.
BEGIN;
SELECT plan(17);

SELECT has_function('animus', '_parse_memory_filter', ARRAY['jsonb'], 'animus._parse_memory_filter(jsonb) exists');
SELECT function_returns('animus', '_parse_memory_filter', ARRAY['jsonb'], 'animus.memory_filter', 'it returns animus.memory_filter');
SELECT is_definer('animus', '_parse_memory_filter', ARRAY['jsonb'], 'it is security definer');
SELECT ok(NOT has_function_privilege('animus_app', 'animus._parse_memory_filter(jsonb)', 'EXECUTE'), 'it is private: animus_app may not call it');

SELECT ok(animus._parse_memory_filter('{}') IS NULL, '{} filters nothing');
SELECT ok(animus._parse_memory_filter(NULL) IS NULL, 'NULL filters nothing');
SELECT is((animus._parse_memory_filter('{"memory_type": "episodic"}')).memory_types, ARRAY['episodic'], 'a single memory_type');
SELECT is((animus._parse_memory_filter('{"memory_type": ["a", "b"]}')).memory_types, ARRAY['a', 'b'], 'a list of memory_types');
SELECT is(animus._parse_memory_filter('{"source": "s", "metadata": {"k": 1}, "created_after": "2026-01-01T00:00:00Z", "created_before": "2026-02-01T00:00:00Z"}'),
          ROW(NULL, 's', '{"k": 1}', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')::animus.memory_filter,
          'source, metadata and the time bounds are parsed');

SELECT throws_ok($$SELECT animus._parse_memory_filter('{"memory_typ": "x"}')$$, 'AN010', NULL, 'an unknown key is an error, not ignored');
SELECT throws_ok($$SELECT animus._parse_memory_filter('[1]')$$, 'AN011', NULL, 'filters must be an object');
SELECT throws_ok($$SELECT animus._parse_memory_filter('{"memory_type": 3}')$$, 'AN011', NULL, 'memory_type must be a string or list');
SELECT throws_ok($$SELECT animus._parse_memory_filter('{"memory_type": []}')$$, 'AN011', NULL, 'an empty memory_type list is refused');
SELECT throws_ok($$SELECT animus._parse_memory_filter('{"source": ["s"]}')$$, 'AN011', NULL, 'source must be a string');
SELECT throws_ok($$SELECT animus._parse_memory_filter('{"metadata": "k"}')$$, 'AN011', NULL, 'metadata must be an object');
SELECT throws_ok($$SELECT animus._parse_memory_filter('{"created_after": "yesterday-ish"}')$$, 'AN011', NULL, 'created_after must be a timestamp');
SELECT throws_ok($$SELECT animus._parse_memory_filter('{"created_before": 1700000000}')$$, 'AN011', NULL, 'created_before must be a timestamp string');

SELECT * FROM finish();
ROLLBACK;
