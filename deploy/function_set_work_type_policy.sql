-- Deploy animus:function_set_work_type_policy to pg
BEGIN;

CREATE FUNCTION animus.set_work_type_policy(work_type text, max_attempts integer DEFAULT NULL,
                                            retry_base_seconds integer DEFAULT NULL,
                                            retry_cap_seconds integer DEFAULT 3600)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    IF coalesce(set_work_type_policy.work_type, '') = '' THEN
        RAISE EXCEPTION 'work_type must be non-empty'
            USING ERRCODE = 'AN008', HINT = 'Name the work type the policy is for.';
    END IF;
    IF octet_length(set_work_type_policy.work_type) > 4096 THEN
        RAISE EXCEPTION 'work_type is over the 4096-byte limit'
            USING ERRCODE = 'AN006', HINT = 'Work types are short names.';
    END IF;
    IF set_work_type_policy.max_attempts < 1 THEN
        RAISE EXCEPTION 'max_attempts must be at least 1, got %', set_work_type_policy.max_attempts
            USING ERRCODE = 'AN008', HINT = 'Pass NULL for the default of 5.';
    END IF;
    IF set_work_type_policy.retry_base_seconds NOT BETWEEN 0 AND 86400 THEN
        RAISE EXCEPTION 'retry_base_seconds must be between 0 and 86400, got %', set_work_type_policy.retry_base_seconds
            USING ERRCODE = 'AN008', HINT = 'Pass 0 to retry at once, or NULL for the queue''s backoff.';
    END IF;
    IF set_work_type_policy.retry_cap_seconds IS NULL
       OR set_work_type_policy.retry_cap_seconds NOT BETWEEN coalesce(set_work_type_policy.retry_base_seconds, 0) AND 604800 THEN
        RAISE EXCEPTION 'retry_cap_seconds must be between retry_base_seconds (%) and 604800, got %',
                coalesce(set_work_type_policy.retry_base_seconds, 0), coalesce(set_work_type_policy.retry_cap_seconds::text, 'NULL')
            USING ERRCODE = 'AN008', HINT = 'The cap is the longest wait between attempts, at most a week.';
    END IF;
    IF set_work_type_policy.max_attempts IS NULL AND set_work_type_policy.retry_base_seconds IS NULL THEN
        -- Nothing left to say: the type follows the queue policy again.
        DELETE FROM animus.work_type_policies p WHERE p.work_type = set_work_type_policy.work_type;
        RETURN;
    END IF;
    INSERT INTO animus.work_type_policies AS p (work_type, max_attempts, retry_base_seconds, retry_cap_seconds)
    VALUES (set_work_type_policy.work_type, set_work_type_policy.max_attempts,
            set_work_type_policy.retry_base_seconds, set_work_type_policy.retry_cap_seconds)
    ON CONFLICT (work_type) DO UPDATE
    SET max_attempts = EXCLUDED.max_attempts, retry_base_seconds = EXCLUDED.retry_base_seconds,
        retry_cap_seconds = EXCLUDED.retry_cap_seconds, updated_at = now();
END
$$;

COMMENT ON FUNCTION animus.set_work_type_policy(text, integer, integer, integer) IS
    'Set the retry policy of a work type (animus.work_type_policies), which fail_work applies before the queue''s: '
    'max_attempts for items submitted without one (NULL: 5), and without an explicit delay a backoff of '
    'min(cap, base * 2^(attempts-1)) seconds, half of it random (base NULL: the queue''s backoff; 0: at once). '
    'max_attempts and retry_base_seconds both NULL remove the policy. '
    'Errors: AN006 work_type over 4096 bytes, AN008 empty work_type, max_attempts below 1, base not in 0..86400 '
    'or cap not in base..604800.';
REVOKE EXECUTE ON FUNCTION animus.set_work_type_policy(text, integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.set_work_type_policy(text, integer, integer, integer) TO animus_app, animus_ops;

COMMIT;
