-- Revert animus:function__create_pgmq from pg
BEGIN;

DROP FUNCTION animus._check_queue_layout(text, boolean, text, text);
DROP FUNCTION animus._create_pgmq(text, boolean, text, text);
DROP FUNCTION animus._partition_spec(text, text);

COMMIT;
