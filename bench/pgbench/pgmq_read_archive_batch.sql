-- pgmq: read 10 messages and archive them in one call.
SELECT count(*) FROM pgmq.archive('pgb_read_r', (SELECT array_agg(r.msg_id) FROM pgmq.read('pgb_read_r', 30, 10) AS r));
