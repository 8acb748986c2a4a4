-- Revert animus:function__check_embedding from pg
BEGIN;

DROP FUNCTION animus._check_embedding(public.vector);

COMMIT;
