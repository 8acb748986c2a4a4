-- Revert animus:function__parse_memory_filter from pg: restore the v0.1.0 version (the deploy of @v0.1.0).
-- The one place that parses and validates the filters jsonb of every memory function.
BEGIN;

CREATE OR REPLACE FUNCTION animus._parse_memory_filter(filters jsonb) RETURNS animus.memory_filter
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result animus.memory_filter;
    unknown_key text;
    mt jsonb;
BEGIN
    IF filters IS NULL OR filters = 'null'::jsonb THEN
        RETURN result;
    END IF;
    IF jsonb_typeof(filters) <> 'object' THEN
        RAISE EXCEPTION 'filters must be a JSON object, got %', jsonb_typeof(filters)
            USING ERRCODE = 'AN011', HINT = 'Pass e.g. {"memory_type": "episodic"}, or {} for no filter.';
    END IF;
    SELECT k INTO unknown_key FROM jsonb_object_keys(filters) AS k
    WHERE k NOT IN ('memory_type', 'source', 'metadata', 'created_after', 'created_before')
    ORDER BY k LIMIT 1;
    IF unknown_key IS NOT NULL THEN
        RAISE EXCEPTION 'unknown filter key "%"', unknown_key
            USING ERRCODE = 'AN010',
                  HINT = 'Filter keys are memory_type, source, metadata, created_after, created_before.';
    END IF;

    mt := filters->'memory_type';
    IF mt IS NOT NULL THEN
        IF jsonb_typeof(mt) = 'string' THEN
            result.memory_types := ARRAY[mt->>0];
        ELSIF jsonb_typeof(mt) = 'array' AND jsonb_array_length(mt) > 0
              AND NOT EXISTS (SELECT FROM jsonb_array_elements(mt) AS e WHERE jsonb_typeof(e) <> 'string') THEN
            result.memory_types := ARRAY(SELECT jsonb_array_elements_text(mt));
        ELSE
            RAISE EXCEPTION 'filter memory_type must be a string or a non-empty array of strings'
                USING ERRCODE = 'AN011', HINT = 'e.g. {"memory_type": "episodic"} or {"memory_type": ["episodic", "semantic"]}';
        END IF;
    END IF;

    IF filters ? 'source' THEN
        IF jsonb_typeof(filters->'source') <> 'string' THEN
            RAISE EXCEPTION 'filter source must be a string'
                USING ERRCODE = 'AN011', HINT = 'e.g. {"source": "slack"}';
        END IF;
        result.source := filters->>'source';
    END IF;

    IF filters ? 'metadata' THEN
        IF jsonb_typeof(filters->'metadata') <> 'object' THEN
            RAISE EXCEPTION 'filter metadata must be a JSON object (matched by containment)'
                USING ERRCODE = 'AN011', HINT = 'e.g. {"metadata": {"project": "apollo"}}';
        END IF;
        result.metadata := filters->'metadata';
    END IF;

    BEGIN
        IF filters ? 'created_after' THEN
            IF jsonb_typeof(filters->'created_after') <> 'string' THEN
                RAISE invalid_datetime_format;
            END IF;
            result.created_after := (filters->>'created_after')::timestamptz;
        END IF;
        IF filters ? 'created_before' THEN
            IF jsonb_typeof(filters->'created_before') <> 'string' THEN
                RAISE invalid_datetime_format;
            END IF;
            result.created_before := (filters->>'created_before')::timestamptz;
        END IF;
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR invalid_text_representation THEN
        RAISE EXCEPTION 'filters created_after and created_before must be timestamp strings'
            USING ERRCODE = 'AN011', HINT = 'Use ISO 8601, e.g. {"created_after": "2026-01-01T00:00:00Z"}.';
    END;
    RETURN result;
END
$$;
COMMENT ON FUNCTION animus._parse_memory_filter(jsonb) IS
    'Private: parse and validate a memory filters object. NULL or {} means no filter. '
    'Raises AN010 (unknown key), AN011 (value of the wrong type).';
REVOKE EXECUTE ON FUNCTION animus._parse_memory_filter(jsonb) FROM PUBLIC;

COMMIT;
