-- Revert animus:function__vector_leg from pg
BEGIN;

DROP FUNCTION animus._vector_leg(public.vector, integer, animus.memory_filter);

COMMIT;
