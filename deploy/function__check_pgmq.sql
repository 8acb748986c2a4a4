-- Deploy animus:function__check_pgmq to pg
BEGIN;

-- The tested range of pgmq versions, [minimum, below). animus inserts into and updates pgmq's
-- queue tables itself (see animus._pgmq_relation), so a pgmq with another table layout would
-- fail at run time on the first submit. Widen the range only after running the test suite on
-- the new pgmq version.
CREATE FUNCTION animus._check_pgmq(version text DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    minimum CONSTANT integer[] := ARRAY[1, 13, 0];
    below CONSTANT integer[] := ARRAY[1, 14, 0];
    installed text := coalesce(version, (SELECT e.extversion FROM pg_extension e WHERE e.extname = 'pgmq'));
    parsed integer[];
BEGIN
    IF installed IS NULL THEN
        RAISE EXCEPTION 'pgmq is not installed in this database'
            USING ERRCODE = 'AN000',
                  HINT = 'Install the pgmq extension 1.13.x (script/setup does) and deploy again.';
    END IF;
    IF installed ~ '^\d{1,6}\.\d{1,6}\.\d{1,6}$' THEN
        parsed := string_to_array(installed, '.')::integer[];
    END IF;
    IF parsed IS NULL OR parsed < minimum OR parsed >= below THEN
        RAISE EXCEPTION 'pgmq % is outside the range animus is tested with (>= %, < %)', installed,
                        array_to_string(minimum, '.'), array_to_string(below, '.')
            USING ERRCODE = 'AN000',
                  HINT = 'Install pgmq 1.13.x (ALTER EXTENSION pgmq UPDATE TO ''1.13.0'' or script/setup), '
                         'or widen the range in deploy/function__check_pgmq.sql after the test suite passes on it.';
    END IF;
    RETURN installed;
END
$$;

COMMENT ON FUNCTION animus._check_pgmq(text) IS
    'Private. Returns the pgmq version (the installed one when version is NULL) if animus is tested '
    'with it, >= 1.13.0 and < 1.14.0. Errors: AN000 pgmq missing or outside that range. '
    'Called by the deploy and by sqitch verify.';
REVOKE EXECUTE ON FUNCTION animus._check_pgmq(text) FROM PUBLIC;

-- Refuse the deploy itself on an untested pgmq; Sqitch then reverts what this run deployed.
DO $$ BEGIN PERFORM animus._check_pgmq(); END $$;

COMMIT;
