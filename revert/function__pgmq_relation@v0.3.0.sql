-- Revert animus:function__pgmq_relation from pg
BEGIN;

DROP FUNCTION animus._pgmq_relations(text);
DROP FUNCTION animus._pgmq_relation(text, text);
DROP FUNCTION animus._pgmq_relation_unknown_kind(text);

COMMIT;
