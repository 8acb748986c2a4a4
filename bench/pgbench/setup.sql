-- Queues for the pgbench pairs (bench/pgbench/run.py creates a fresh database first).
SELECT animus.create_queue('pgb_animus');
SELECT pgmq.create('pgb_raw');
SELECT animus.create_queue('pgb_read_a');
SELECT pgmq.create('pgb_read_r');
