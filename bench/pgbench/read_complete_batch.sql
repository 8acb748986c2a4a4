-- animus: read 10 items and complete them in one complete_work_batch.
SELECT count(*) FROM animus.complete_work_batch((
    SELECT coalesce(jsonb_agg(jsonb_build_object('work_id', r.id, 'lease', r.lease)), '[]')
    FROM animus.read_work('pgb_read_a', 30, 10) AS r));
