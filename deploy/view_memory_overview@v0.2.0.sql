-- Deploy animus:view_memory_overview to pg
BEGIN;

CREATE VIEW animus.memory_overview AS
SELECT memory_type, embedding_model,
       count(*) AS memories,
       min(created_at) AS oldest,
       max(created_at) AS newest,
       max(updated_at) AS last_updated
FROM animus.memories
GROUP BY memory_type, embedding_model;
COMMENT ON VIEW animus.memory_overview IS
    'Operators: memories per (memory_type, embedding_model), with the oldest and newest. '
    'Sum over one column for counts by the other; several models in one memory_type means a re-embed is in progress or needed.';
REVOKE ALL ON animus.memory_overview FROM PUBLIC;
GRANT SELECT ON animus.memory_overview TO animus_ops;

COMMIT;
