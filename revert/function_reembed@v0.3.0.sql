-- Revert animus:function_reembed from pg
BEGIN;

DROP FUNCTION animus.set_embeddings(jsonb, text);
DROP FUNCTION animus.count_to_reembed(text, text);
DROP FUNCTION animus.memories_to_reembed(text, integer, bigint, text);
DROP FUNCTION animus._check_unbound(text);

COMMIT;
