-- Deploy animus:table_schedules_owner to pg
-- A schedule belongs to the role that made it (animus.schedule_work records it): only that role
-- (or a member of it) and the owner of the animus schema may replace, pause or remove it. Rows
-- made before owners existed belong to the schema owner. That is also the role their pg_cron
-- jobs run as: schedule_work is SECURITY DEFINER, so cron.schedule recorded the function owner,
-- the role that deployed the schema. The default is for writers that do not name an owner (the
-- released schedule_work, after a revert of the function alone): the login role.
BEGIN;

ALTER TABLE animus.schedules ADD COLUMN owner name DEFAULT session_user;
UPDATE animus.schedules
SET owner = (SELECT pg_catalog.pg_get_userbyid(n.nspowner) FROM pg_catalog.pg_namespace n WHERE n.nspname = 'animus');
ALTER TABLE animus.schedules ALTER COLUMN owner SET NOT NULL;

COMMENT ON COLUMN animus.schedules.owner IS
    'The role that made the schedule (the SET ROLE role, else the login role). Only it, its members and the '
    'schema owner may replace, pause or remove the schedule (AN050 for anyone else).';

COMMIT;
