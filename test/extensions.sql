-- pgTAP: the extensions change.
BEGIN;
SELECT plan(5);

SELECT has_extension('pgmq', 'pgmq is installed');
SELECT has_extension('vector', 'pgvector is installed');
SELECT ok(
    (SELECT extversion FROM pg_extension WHERE extname = 'pgmq') ~ '^1\.13\.',
    'pgmq is version 1.13.x');
SELECT ok(
    (SELECT extversion FROM pg_extension WHERE extname = 'vector') ~ '^0\.8\.',
    'vector is version 0.8.x');
-- The extension really works: a queue round trip inside this (rolled back) transaction.
SELECT pgmq.create('pgtap_ext_probe');
SELECT pgmq.send('pgtap_ext_probe', '{"probe": "ok"}');
SELECT is(
    (SELECT message->>'probe' FROM pgmq.read('pgtap_ext_probe', 30, 1)),
    'ok', 'pgmq send then read returns the message');

SELECT * FROM finish();
ROLLBACK;
