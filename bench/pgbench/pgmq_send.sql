-- pgmq: one send of a message of the same size.
SELECT pgmq.send('pgb_raw', '{"text": "summarise the nightly report"}');
