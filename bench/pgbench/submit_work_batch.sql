-- animus: a batch of 100 items, each with a fresh dedup key; the JSON is built server-side, as
-- the pgmq side builds its array, so both sides pay for building their input.
SELECT count(*) FROM animus.submit_work_batch((
    SELECT jsonb_agg(jsonb_build_object('queue_name', 'pgb_animus', 'work_type', 'bench', 'source', 'bench',
                                        'params', jsonb_build_object('n', g), 'dedup_key', gen_random_uuid()::text))
    FROM generate_series(1, 100) AS g));
