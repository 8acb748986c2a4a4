-- Revert animus:function_archive_work from pg
BEGIN;

DROP FUNCTION animus.archive_work(text, bigint);

COMMIT;
