-- Deploy animus:function_schedule_work to pg
-- Periodic work runs on pg_cron (no scheduler of animus's own). pg_cron is optional: no required
-- change creates it, so every reference to its schema is dynamic SQL, and each function asks
-- animus._require_pg_cron, which raises AN017 with what to do. pg_cron can only be created in
-- the database named by cron.database_name, so any other database is "without pg_cron".
-- The pg_cron jobs run as the owner of these functions (SECURITY DEFINER: cron.schedule records
-- current_user), which is why only animus_ops may create them.
-- Reworked:
--  * schedule_work checks the submission its job will make with the rules submit_work applies
--    (animus._submission_fault: params size, text lengths, max_attempts...), so a schedule that
--    would fail on every run is refused now, with submit_work's SQLSTATE, instead of failing
--    every minute in pg_cron's run log. The source and trigger_info the job writes
--    ('schedule:<name>', 'pg_cron <cron>') are part of that check.
--  * Schedules have an owner (animus.schedules.owner): the role the caller acts as (the SET ROLE
--    role, else the login role; a SECURITY DEFINER function sees neither as current_user). Only
--    the owner, a member of it, or a member of the schema owner may replace, pause or remove a
--    schedule: AN050 for anyone else. These checks come before the pg_cron check, so they hold
--    (and are tested) in a database without pg_cron too.
--  * list_schedules shows the owner and the last failure (its time and pg_cron's message).
--  * The AN018 hint matches the installed pg_cron: 'N seconds' schedules exist from pg_cron 1.5
--    on (Debian 12 ships 1.4), and a sub-minute schedule on an older one says so.
BEGIN;

CREATE OR REPLACE FUNCTION animus._require_pg_cron()
    RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database %', current_database()
            USING ERRCODE = 'AN017',
                  HINT = format('Install postgresql-NN-cron, set shared_preload_libraries to include pg_cron, '
                                'cron.database_name = %L and cron.use_background_workers = on, restart, then '
                                'CREATE EXTENSION pg_cron (script/db start does all of it for the embedded '
                                'cluster). Now: cron.database_name = %s.',
                                current_database(), coalesce(current_setting('cron.database_name', true), 'unset'));
    END IF;
END
$$;

-- The installed pg_cron's version as numbers ('1.4-1' is {1,4}); NULL without pg_cron.
CREATE FUNCTION animus._pg_cron_version()
    RETURNS integer[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_to_array(substring(e.extversion FROM '^[0-9]+(?:\.[0-9]+)*'), '.')::integer[]
    FROM pg_extension e WHERE e.extname = 'pg_cron'
$$;

-- The role a call acts as: the SET ROLE role, else the login role. A SECURITY DEFINER function
-- runs as its owner, so current_user cannot say; the role setting is left alone by the call.
CREATE FUNCTION animus._schedule_caller()
    RETURNS name
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN current_setting('role') = 'none' THEN session_user ELSE current_setting('role')::name END
$$;

-- Raise AN050 unless the caller may change a schedule owned by schedule_owner: the owner or a
-- member of it, or a member of the animus schema's owner (superusers are members of every role).
CREATE FUNCTION animus._check_schedule_owner(schedule_name text, schedule_owner name)
    RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    caller name := animus._schedule_caller();
    schema_owner name := (SELECT pg_get_userbyid(n.nspowner) FROM pg_namespace n WHERE n.nspname = 'animus');
BEGIN
    IF caller = schedule_owner
       OR (EXISTS (SELECT FROM pg_roles r WHERE r.rolname = schedule_owner) AND pg_has_role(caller, schedule_owner, 'MEMBER'))
       OR pg_has_role(caller, schema_owner, 'MEMBER') THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'schedule % belongs to %, not to %', quote_literal(schedule_name), quote_ident(schedule_owner), quote_ident(caller)
        USING ERRCODE = 'AN050',
              HINT = format('Ask %s (or the owner of the animus schema, %s) to change it, or schedule your work under another name.',
                            quote_ident(schedule_owner), quote_ident(schema_owner));
END
$$;

-- The hint for a schedule pg_cron refused, by the installed version.
CREATE FUNCTION animus._cron_syntax_hint()
    RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN animus._pg_cron_version() >= ARRAY[1, 5]
        THEN 'Use five cron fields (''*/5 * * * *''), @hourly, @daily and the like, or ''N seconds'' (1 to 59).'
        ELSE format('Use five cron fields (''*/5 * * * *''), @hourly, @daily and the like. Every minute '
                    '(''* * * * *'') is the shortest: ''N seconds'' needs pg_cron 1.5 or later, and this '
                    'database has pg_cron %s.', coalesce((SELECT e.extversion FROM pg_extension e WHERE e.extname = 'pg_cron'), 'none'))
    END
$$;

-- The pg_cron job's command. Skips (writes nothing) while an active item holds the schedule's
-- dedup key, so a schedule with a key never piles up rows while the workers are down.
CREATE OR REPLACE FUNCTION animus._run_schedule(name text)
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

CREATE OR REPLACE FUNCTION animus.schedule_work(name text, cron text, queue_name text, work_type text,
                                                params jsonb DEFAULT '{}', dedup_key text DEFAULT NULL,
                                                priority integer DEFAULT 0, max_attempts integer DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    job bigint;
    fault text;
    existing_owner name;
    caller name := animus._schedule_caller();
BEGIN
    IF schedule_work.name IS NULL OR schedule_work.name !~ '^[a-z_][a-z0-9_-]*$' OR length(schedule_work.name) > 56 THEN
        RAISE EXCEPTION 'invalid schedule name %', quote_nullable(left(schedule_work.name, 80))
            USING ERRCODE = 'AN008', HINT = 'Use 1-56 characters of [a-z0-9_-], not starting with a digit or -.';
    END IF;
    PERFORM animus._check_queue(schedule_work.queue_name);
    -- Every run submits exactly this: refuse now what submit_work would refuse then.
    fault := animus._submission_fault(schedule_work.work_type, 'schedule:' || schedule_work.name, schedule_work.params,
                                      schedule_work.dedup_key, 'pg_cron ' || schedule_work.cron,
                                      schedule_work.max_attempts, 0, NULL, NULL);
    IF fault IS NOT NULL THEN
        PERFORM animus._raise_submission_fault(fault, NULL, schedule_work.params, schedule_work.max_attempts, 0);
    END IF;
    SELECT sc.owner INTO existing_owner FROM animus.schedules sc WHERE sc.name = schedule_work.name FOR UPDATE;
    IF FOUND THEN
        PERFORM animus._check_schedule_owner(schedule_work.name, existing_owner);
    END IF;
    PERFORM animus._require_pg_cron();
    BEGIN
        -- pg_cron updates the job of the same name in place.
        EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
            USING 'animus:' || schedule_work.name, schedule_work.cron,
                  format('SELECT animus._run_schedule(%L)', schedule_work.name);
    EXCEPTION WHEN invalid_parameter_value OR null_value_not_allowed THEN
        IF schedule_work.cron ~* '^\s*[0-9]+\s*seconds?\s*$' AND NOT animus._pg_cron_version() >= ARRAY[1, 5] THEN
            RAISE EXCEPTION 'sub-minute schedule % needs pg_cron 1.5 or later', quote_literal(schedule_work.cron)
                USING ERRCODE = 'AN018', HINT = animus._cron_syntax_hint();
        END IF;
        RAISE EXCEPTION 'invalid cron schedule %', quote_nullable(left(schedule_work.cron, 80))
            USING ERRCODE = 'AN018', HINT = animus._cron_syntax_hint();
    END;
    -- A concurrent schedule_work of the same new name inserted first: its owner is checked here.
    INSERT INTO animus.schedules AS sc (name, cron, queue_name, work_type, params, dedup_key, priority,
                                        max_attempts, jobid, owner)
    VALUES (schedule_work.name, schedule_work.cron, schedule_work.queue_name, schedule_work.work_type,
            coalesce(schedule_work.params, '{}'), schedule_work.dedup_key, coalesce(schedule_work.priority, 0),
            schedule_work.max_attempts, job, caller)
    ON CONFLICT (name) DO UPDATE
    SET cron = EXCLUDED.cron, queue_name = EXCLUDED.queue_name, work_type = EXCLUDED.work_type,
        params = EXCLUDED.params, dedup_key = EXCLUDED.dedup_key, priority = EXCLUDED.priority,
        max_attempts = EXCLUDED.max_attempts, jobid = EXCLUDED.jobid, updated_at = now()
    RETURNING sc.owner INTO existing_owner;
    PERFORM animus._check_schedule_owner(schedule_work.name, existing_owner);
    RETURN job;
END
$$;

DROP FUNCTION animus.list_schedules();
CREATE FUNCTION animus.list_schedules()
    RETURNS TABLE (name text, cron text, queue_name text, work_type text, params jsonb, dedup_key text,
                   active boolean, jobid bigint, last_run_at timestamptz, last_status text,
                   owner name, last_failure_at timestamptz, last_failure text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM animus._require_pg_cron();
    -- A run that never started (pg_cron could not start it) has an end time only.
    RETURN QUERY EXECUTE
        'SELECT s.name, s.cron, s.queue_name, s.work_type, s.params, s.dedup_key, j.active, s.jobid, '
        '       coalesce(r.start_time, r.end_time), r.status, s.owner, '
        '       coalesce(f.start_time, f.end_time), f.return_message '
        'FROM animus.schedules s LEFT JOIN cron.job j ON j.jobid = s.jobid '
        'LEFT JOIN LATERAL (SELECT d.start_time, d.end_time, d.status FROM cron.job_run_details d '
        '                   WHERE d.jobid = s.jobid ORDER BY d.runid DESC LIMIT 1) r ON true '
        'LEFT JOIN LATERAL (SELECT d.start_time, d.end_time, d.return_message FROM cron.job_run_details d '
        '                   WHERE d.jobid = s.jobid AND d.status = ''failed'' ORDER BY d.runid DESC LIMIT 1) f ON true '
        'ORDER BY s.name';
END
$$;

CREATE OR REPLACE FUNCTION animus._schedule_job(name text)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s animus.schedules;
BEGIN
    SELECT * INTO s FROM animus.schedules sc WHERE sc.name = _schedule_job.name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown schedule %', quote_nullable(left(_schedule_job.name, 80))
            USING ERRCODE = 'AN019', HINT = 'animus.list_schedules() lists them.';
    END IF;
    PERFORM animus._check_schedule_owner(s.name, s.owner);
    RETURN s.jobid;
END
$$;

CREATE OR REPLACE FUNCTION animus.pause_schedule(name text, paused boolean DEFAULT true)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job bigint;
BEGIN
    job := animus._schedule_job(pause_schedule.name);
    PERFORM animus._require_pg_cron();
    EXECUTE 'SELECT cron.alter_job(job_id => $1, active => $2)'
        USING job, NOT coalesce(pause_schedule.paused, true);
END
$$;

CREATE OR REPLACE FUNCTION animus.unschedule_work(name text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job bigint;
BEGIN
    job := animus._schedule_job(unschedule_work.name);
    PERFORM animus._require_pg_cron();
    -- Gone from pg_cron already (an operator's cron.unschedule) is fine: the row goes either way.
    EXECUTE 'SELECT count(*) FROM cron.job WHERE jobid = $1 AND cron.unschedule(jobid)' USING job;
    DELETE FROM animus.schedules s WHERE s.name = unschedule_work.name;
END
$$;

COMMENT ON FUNCTION animus._require_pg_cron() IS 'Private: raise AN017 (with the set-up steps) when pg_cron is not installed in this database.';
COMMENT ON FUNCTION animus._pg_cron_version() IS 'Private: the installed pg_cron extension version as numbers (1.4-1 is {1,4}), NULL without pg_cron.';
COMMENT ON FUNCTION animus._schedule_caller() IS 'Private: the role a call acts as (the SET ROLE role, else the login role), a schedule''s owner.';
COMMENT ON FUNCTION animus._check_schedule_owner(text, name) IS
    'Private: raise AN050 unless the caller is the schedule''s owner, a member of it, or a member of the animus schema''s owner.';
COMMENT ON FUNCTION animus._cron_syntax_hint() IS
    'Private: the AN018 hint for the installed pg_cron (''N seconds'' only from pg_cron 1.5 on).';
COMMENT ON FUNCTION animus._run_schedule(text) IS
    'Private, the pg_cron job of a schedule: submit its work (source schedule:<name>, trigger_info pg_cron <cron>), '
    'or nothing while an active item holds its dedup key. Returns the submit_result, or NULL when skipped.';
COMMENT ON FUNCTION animus._schedule_job(text) IS
    'Private: lock a schedule and return its pg_cron job id. Errors: AN019 unknown schedule, AN050 another role''s schedule.';
COMMENT ON FUNCTION animus.schedule_work(text, text, text, text, jsonb, text, integer, integer) IS
    'Submit work on a pg_cron schedule (cron: five fields, @hourly; ''N seconds'' with pg_cron 1.5 or later); the '
    'same name replaces the schedule (its owner''s, or anyone''s for the schema owner). With a dedup_key, a run while '
    'an active item holds the key submits nothing, so items do not pile up while workers are down. The caller owns a '
    'new schedule. Returns the pg_cron job id (job name animus:<name>). Errors: those of submit_work for the work '
    'each run submits (AN001/AN002 queue, AN005 params not an object, AN006 params over 1 MiB or a text field over '
    '4096 bytes, AN008 empty work_type or max_attempts < 1), AN008 invalid name, AN050 another role''s schedule, '
    'AN017 pg_cron not installed here, AN018 a schedule the installed pg_cron refuses.';
COMMENT ON FUNCTION animus.list_schedules() IS
    'Every schedule with its owner and pg_cron job: active (false when paused), last run (time, status) and last '
    'failure (time, pg_cron''s message). Errors: AN017.';
COMMENT ON FUNCTION animus.pause_schedule(text, boolean) IS
    'Pause (paused true, the default) or resume a schedule: cron.alter_job active. Errors: AN019 unknown schedule, '
    'AN050 another role''s schedule, AN017.';
COMMENT ON FUNCTION animus.unschedule_work(text) IS
    'Remove a schedule and its pg_cron job; items it submitted stay. Errors: AN019 unknown schedule, AN050 another '
    'role''s schedule, AN017.';

REVOKE EXECUTE ON FUNCTION animus._pg_cron_version(), animus._schedule_caller(), animus._check_schedule_owner(text, name),
    animus._cron_syntax_hint(), animus.list_schedules() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.list_schedules() TO animus_ops;

COMMIT;
