-- Verify animus:queue_priority_index on pg
BEGIN;

DO $$
BEGIN
    ASSERT NOT EXISTS (
        SELECT FROM animus.queues q
        WHERE to_regclass(format('pgmq.%I', animus._pgmq_relation(q.queue_name, 'queue'))) IS NOT NULL
          AND to_regclass(format('pgmq.%I', animus._priority_index(q.queue_name))) IS NULL),
        'a queue lacks its priority index';
END
$$;

ROLLBACK;
