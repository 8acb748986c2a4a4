-- Revert animus:queue_priority_index from pg
-- Drops the priority index of every queue, also of queues created since the deploy
-- (create_queue made theirs); the functions that use it are reverted before this runs.
-- The "priority" keys stay in the messages: the earlier functions read only "work_id".
BEGIN;

DO $$
DECLARE
    q text;
BEGIN
    FOR q IN SELECT queue_name FROM animus.queues ORDER BY queue_name LOOP
        EXECUTE format('DROP INDEX IF EXISTS pgmq.%I', animus._priority_index(q));
    END LOOP;
END
$$;

COMMIT;
