-- pgmq: send_batch of 100 messages.
SELECT count(*) FROM pgmq.send_batch('pgb_raw', (
    SELECT array_agg(jsonb_build_object('n', g)) FROM generate_series(1, 100) AS g));
