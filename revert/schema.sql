-- Revert animus:schema from pg
BEGIN;

-- No CASCADE: every object in the schema belongs to a later change that reverts it first.
DROP SCHEMA animus;

COMMIT;
