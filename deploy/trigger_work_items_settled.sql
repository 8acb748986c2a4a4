-- Deploy animus:trigger_work_items_settled to pg
-- A submitter waiting for its result (Db.wait_for, animus work wait) LISTENs on animus_settled
-- and wakes when its item is settled, instead of polling. One trigger covers every way an item
-- ends (complete_work and its batch, fail_work and read_work dead-lettering, cancel_work,
-- archive_work and delete_work, reconcile) without touching those functions. The WHEN clause is
-- checked before an event is queued, so the updates that do not settle (read_work's delivery,
-- a retry) pay only the comparison. The notification is sent at commit, never for a rollback.
BEGIN;

CREATE FUNCTION animus._notify_settled()
    RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_notify('animus_settled', NEW.id::text);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION animus._notify_settled() IS
    'Private trigger function: NOTIFY animus_settled with the id of an item that became completed or dead.';
REVOKE EXECUTE ON FUNCTION animus._notify_settled() FROM PUBLIC;

CREATE TRIGGER work_items_settled
    AFTER UPDATE OF state ON animus.work_items
    FOR EACH ROW
    WHEN (NEW.state IN ('completed', 'dead') AND OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION animus._notify_settled();

COMMENT ON TRIGGER work_items_settled ON animus.work_items IS
    'NOTIFY animus_settled, payload the item id, when an item becomes completed or dead (sent at commit).';

COMMIT;
