-- Deploy animus:table_schedules to pg
-- What a schedule submits lives here, not in the pg_cron command: the command is only
-- SELECT animus._run_schedule('<name>'), so no params are ever spliced into SQL text.
BEGIN;

CREATE TABLE animus.schedules (
    name         text PRIMARY KEY
        CONSTRAINT schedules_name_valid CHECK (name ~ '^[a-z_][a-z0-9_-]*$' AND length(name) <= 56),
    cron         text NOT NULL,
    queue_name   text NOT NULL,
    work_type    text NOT NULL,
    params       jsonb NOT NULL DEFAULT '{}',
    dedup_key    text,
    priority     integer NOT NULL DEFAULT 0,
    max_attempts integer,
    jobid        bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE animus.schedules IS
    'Schedules made with animus.schedule_work: the pg_cron job (jobid, named animus:<name>) runs '
    'animus._run_schedule(name), which submits this row''s work. Write it only through the functions.';
GRANT SELECT ON animus.schedules TO animus_ops;

COMMIT;
