-- Deploy animus:function_schedule_work to pg
-- Periodic work runs on pg_cron (no scheduler of animus's own). pg_cron is optional: no required
-- change creates it, so every reference to its schema is dynamic SQL, and each function first
-- asks animus._require_pg_cron, which raises AN017 with what to do. pg_cron can only be created
-- in the database named by cron.database_name, so any other database is "without pg_cron".
-- The pg_cron jobs run as the owner of these functions (SECURITY DEFINER: cron.schedule records
-- current_user), which is why only animus_ops may create them.
BEGIN;

CREATE FUNCTION animus._require_pg_cron()
    RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database %', current_database()
            USING ERRCODE = 'AN017',
                  HINT = format('Install postgresql-NN-cron, set shared_preload_libraries to include pg_cron and '
                                'cron.database_name = %L, restart, then CREATE EXTENSION pg_cron (script/db start '
                                'does all of it for the embedded cluster). Now: cron.database_name = %s.',
                                current_database(), coalesce(current_setting('cron.database_name', true), 'unset'));
    END IF;
END
$$;

-- The pg_cron job's command. Skips (writes nothing) while an active item holds the schedule's
-- dedup key, so a schedule with a key never piles up rows while the workers are down.
CREATE FUNCTION animus._run_schedule(name text)
    RETURNS animus.submit_result
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s animus.schedules;
BEGIN
    SELECT * INTO s FROM animus.schedules sc WHERE sc.name = _run_schedule.name;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF s.dedup_key IS NOT NULL AND EXISTS (
            SELECT FROM animus.work_items w
            WHERE w.work_type = s.work_type AND w.dedup_key = s.dedup_key AND animus._is_active(w.state)) THEN
        RETURN NULL;
    END IF;
    RETURN animus.submit_work(s.queue_name, s.work_type, 'schedule:' || s.name, s.params,
                              dedup_key => s.dedup_key, trigger_info => 'pg_cron ' || s.cron,
                              priority => s.priority, max_attempts => s.max_attempts);
END
$$;

CREATE FUNCTION animus.schedule_work(name text, cron text, queue_name text, work_type text,
                                     params jsonb DEFAULT '{}', dedup_key text DEFAULT NULL,
                                     priority integer DEFAULT 0, max_attempts integer DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    job bigint;
BEGIN
    PERFORM animus._require_pg_cron();
    IF schedule_work.name IS NULL OR schedule_work.name !~ '^[a-z_][a-z0-9_-]*$' OR length(schedule_work.name) > 56 THEN
        RAISE EXCEPTION 'invalid schedule name %', quote_nullable(schedule_work.name)
            USING ERRCODE = 'AN008', HINT = 'Use 1-56 characters of [a-z0-9_-], not starting with a digit or -.';
    END IF;
    PERFORM animus._check_queue(schedule_work.queue_name);
    IF coalesce(schedule_work.work_type, '') = '' THEN
        RAISE EXCEPTION 'work_type must not be empty' USING ERRCODE = 'AN008', HINT = 'Name the kind of work.';
    END IF;
    IF schedule_work.params IS NULL OR jsonb_typeof(schedule_work.params) <> 'object' THEN
        RAISE EXCEPTION 'params must be a JSON object' USING ERRCODE = 'AN005', HINT = 'Pass e.g. ''{}''.';
    END IF;
    IF schedule_work.max_attempts IS NOT NULL AND schedule_work.max_attempts < 1 THEN
        RAISE EXCEPTION 'max_attempts must be at least 1' USING ERRCODE = 'AN008', HINT = 'NULL means 5.';
    END IF;
    BEGIN
        -- pg_cron updates the job of the same name in place.
        EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
            USING 'animus:' || schedule_work.name, schedule_work.cron,
                  format('SELECT animus._run_schedule(%L)', schedule_work.name);
    EXCEPTION WHEN invalid_parameter_value OR null_value_not_allowed THEN
        RAISE EXCEPTION 'invalid cron schedule %', quote_nullable(schedule_work.cron)
            USING ERRCODE = 'AN018',
                  HINT = 'Use five cron fields (''*/5 * * * *''), ''@hourly'' and the like, or ''N seconds''.';
    END;
    INSERT INTO animus.schedules AS sc (name, cron, queue_name, work_type, params, dedup_key, priority, max_attempts, jobid)
    VALUES (schedule_work.name, schedule_work.cron, schedule_work.queue_name, schedule_work.work_type,
            schedule_work.params, schedule_work.dedup_key, coalesce(schedule_work.priority, 0),
            schedule_work.max_attempts, job)
    ON CONFLICT (name) DO UPDATE
    SET cron = EXCLUDED.cron, queue_name = EXCLUDED.queue_name, work_type = EXCLUDED.work_type,
        params = EXCLUDED.params, dedup_key = EXCLUDED.dedup_key, priority = EXCLUDED.priority,
        max_attempts = EXCLUDED.max_attempts, jobid = EXCLUDED.jobid, updated_at = now();
    RETURN job;
END
$$;

CREATE FUNCTION animus.list_schedules()
    RETURNS TABLE (name text, cron text, queue_name text, work_type text, params jsonb, dedup_key text,
                   active boolean, jobid bigint, last_run_at timestamptz, last_status text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM animus._require_pg_cron();
    RETURN QUERY EXECUTE
        'SELECT s.name, s.cron, s.queue_name, s.work_type, s.params, s.dedup_key, j.active, s.jobid, '
        '       r.start_time, r.status '
        'FROM animus.schedules s LEFT JOIN cron.job j ON j.jobid = s.jobid '
        'LEFT JOIN LATERAL (SELECT d.start_time, d.status FROM cron.job_run_details d '
        '                   WHERE d.jobid = s.jobid ORDER BY d.runid DESC LIMIT 1) r ON true '
        'ORDER BY s.name';
END
$$;

CREATE FUNCTION animus._schedule_job(name text)
    RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job bigint;
BEGIN
    SELECT s.jobid INTO job FROM animus.schedules s WHERE s.name = _schedule_job.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown schedule %', quote_nullable(_schedule_job.name)
            USING ERRCODE = 'AN019', HINT = 'animus.list_schedules() lists them.';
    END IF;
    RETURN job;
END
$$;

CREATE FUNCTION animus.pause_schedule(name text, paused boolean DEFAULT true)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM animus._require_pg_cron();
    EXECUTE 'SELECT cron.alter_job(job_id => $1, active => $2)'
        USING animus._schedule_job(pause_schedule.name), NOT coalesce(pause_schedule.paused, true);
END
$$;

CREATE FUNCTION animus.unschedule_work(name text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job bigint;
BEGIN
    PERFORM animus._require_pg_cron();
    job := animus._schedule_job(unschedule_work.name);
    -- Gone from pg_cron already (an operator's cron.unschedule) is fine: the row goes either way.
    EXECUTE 'SELECT count(*) FROM cron.job WHERE jobid = $1 AND cron.unschedule(jobid)' USING job;
    DELETE FROM animus.schedules s WHERE s.name = unschedule_work.name;
END
$$;

COMMENT ON FUNCTION animus._require_pg_cron() IS 'Private: raise AN017 (with the set-up steps) when pg_cron is not installed in this database.';
COMMENT ON FUNCTION animus._run_schedule(text) IS
    'Private, the pg_cron job of a schedule: submit its work (source schedule:<name>, trigger_info pg_cron <cron>), '
    'or nothing while an active item holds its dedup key. Returns the submit_result, or NULL when skipped.';
COMMENT ON FUNCTION animus._schedule_job(text) IS 'Private: the pg_cron job id of a schedule. Errors: AN019 unknown schedule.';
COMMENT ON FUNCTION animus.schedule_work(text, text, text, text, jsonb, text, integer, integer) IS
    'Submit work on a pg_cron schedule (cron: five fields, @hourly, or ''N seconds''); the same name replaces '
    'the schedule. With a dedup_key, a run while an active item holds the key submits nothing, so items do not '
    'pile up while workers are down. Returns the pg_cron job id (job name animus:<name>). Errors: AN017 pg_cron '
    'not installed here, AN018 invalid cron schedule, AN001/AN002 queue, AN005 params not an object, AN008 '
    'invalid name, empty work_type or max_attempts < 1.';
COMMENT ON FUNCTION animus.list_schedules() IS
    'Every schedule with its pg_cron job: active (false when paused), last run start and status. Errors: AN017.';
COMMENT ON FUNCTION animus.pause_schedule(text, boolean) IS
    'Pause (paused true, the default) or resume a schedule: cron.alter_job active. Errors: AN017, AN019 unknown schedule.';
COMMENT ON FUNCTION animus.unschedule_work(text) IS
    'Remove a schedule and its pg_cron job; items it submitted stay. Errors: AN017, AN019 unknown schedule.';

REVOKE EXECUTE ON FUNCTION animus._require_pg_cron(), animus._run_schedule(text), animus._schedule_job(text),
    animus.schedule_work(text, text, text, text, jsonb, text, integer, integer), animus.list_schedules(),
    animus.pause_schedule(text, boolean), animus.unschedule_work(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.schedule_work(text, text, text, text, jsonb, text, integer, integer),
    animus.list_schedules(), animus.pause_schedule(text, boolean), animus.unschedule_work(text) TO animus_ops;

COMMIT;
