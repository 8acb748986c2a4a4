-- pgmq: read one message and archive it.
SELECT pgmq.archive('pgb_read_r', r.msg_id) FROM pgmq.read('pgb_read_r', 30, 1) AS r;
