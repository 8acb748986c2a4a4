-- Deploy animus:view_memory_overview to pg
-- Scoped: one row per (scope, memory_type, embedding_model), the scope first. An operator
-- reads one tenant with WHERE scope = '...'; the view stays an operator's (animus_ops), since
-- it shows every scope. The columns changed order, so the view is dropped and created.
BEGIN;

DROP VIEW animus.memory_overview;

CREATE VIEW animus.memory_overview AS
SELECT scope, memory_type, embedding_model,
       count(*) AS memories,
       min(created_at) AS oldest,
       max(created_at) AS newest,
       max(updated_at) AS last_updated
FROM animus.memories
GROUP BY scope, memory_type, embedding_model;
COMMENT ON VIEW animus.memory_overview IS
    'Operators: memories per (scope, memory_type, embedding_model), with the oldest and newest. '
    'Filter on scope for one tenant; several models in one memory_type means a re-embed is in progress or needed.';
REVOKE ALL ON animus.memory_overview FROM PUBLIC;
GRANT SELECT ON animus.memory_overview TO animus_ops;

COMMIT;
