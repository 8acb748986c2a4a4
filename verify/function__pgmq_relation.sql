-- Verify animus:function__pgmq_relation on pg
BEGIN;

DO $$
BEGIN
    ASSERT animus._pgmq_relation('inbox', 'queue') = 'q_inbox';
    ASSERT animus._pgmq_relation('inbox', 'msg_id_seq') = 'q_inbox_msg_id_seq';
    ASSERT cardinality(animus._pgmq_relations('inbox')) = 7;
    ASSERT (SELECT l.lanname = 'sql' AND NOT p.prosecdef FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.oid = 'animus._pgmq_relation(text, text)'::regprocedure);
END
$$;

ROLLBACK;
