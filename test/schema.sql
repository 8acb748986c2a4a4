-- pgTAP: the schema change.
BEGIN;
SELECT plan(2);

SELECT has_schema('animus', 'schema animus exists');
SELECT isnt(obj_description('animus'::regnamespace, 'pg_namespace'), NULL, 'schema animus is documented');

SELECT * FROM finish();
ROLLBACK;
