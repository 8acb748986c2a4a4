-- Revert animus:trigger_work_items_settled from pg
BEGIN;

DROP TRIGGER work_items_settled ON animus.work_items;
DROP FUNCTION animus._notify_settled();

COMMIT;
