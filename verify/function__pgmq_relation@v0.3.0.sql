-- Verify animus:function__pgmq_relation on pg
BEGIN;

DO $$
BEGIN
    ASSERT animus._pgmq_relation('inbox', 'queue') = 'q_inbox';
    ASSERT animus._pgmq_relation('inbox', 'msg_id_seq') = 'q_inbox_msg_id_seq';
    ASSERT cardinality(animus._pgmq_relations('inbox')) = 7;
END
$$;

ROLLBACK;
