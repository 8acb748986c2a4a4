-- Deploy animus:function_embedding_dim to pg
-- The Sqitch variable embedding_dim arrives as a psql variable, which psql does not substitute
-- inside $$ bodies, so the function is built with format() and run with \gexec.
BEGIN;

SELECT format(
    $f$CREATE FUNCTION animus.embedding_dim() RETURNS integer
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS 'SELECT %s'$f$,
    dim)
FROM (SELECT CAST(:'embedding_dim' AS integer) AS dim) AS v
WHERE dim BETWEEN 1 AND 2000 \gexec

-- Nothing was created when the dimension is out of range: fail the deploy with a clear message.
DO $$
BEGIN
    IF to_regprocedure('animus.embedding_dim()') IS NULL THEN
        RAISE EXCEPTION 'embedding_dim must be an integer between 1 and 2000 (the HNSW limit)'
            USING ERRCODE = 'AN000';
    END IF;
END
$$;

COMMENT ON FUNCTION animus.embedding_dim() IS
    'The embedding dimension this database was deployed with (sqitch deploy --set embedding_dim=N). '
    'animus.memories.embedding is vector(embedding_dim()); clients check it at connect.';
REVOKE EXECUTE ON FUNCTION animus.embedding_dim() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.embedding_dim() TO animus_app, animus_ops;

COMMIT;
