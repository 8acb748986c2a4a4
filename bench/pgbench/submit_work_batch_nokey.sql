-- animus: a batch of 100 items without dedup keys (the pgmq side has no deduplication either);
-- the JSON is built server-side, as the pgmq side builds its array.
SELECT count(*) FROM animus.submit_work_batch((
    SELECT jsonb_agg(jsonb_build_object('queue_name', 'pgb_animus', 'work_type', 'bench', 'source', 'bench',
                                        'params', jsonb_build_object('n', g)))
    FROM generate_series(1, 100) AS g));
