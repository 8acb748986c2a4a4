-- Revert animus:type_hybrid_match from pg
BEGIN;

DROP TYPE animus.hybrid_match;

COMMIT;
