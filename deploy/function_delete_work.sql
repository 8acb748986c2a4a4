-- Deploy animus:function_delete_work to pg
BEGIN;

CREATE FUNCTION animus.delete_work(queue_name text, msg_id bigint)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM animus._resolve_by_msg(delete_work.queue_name, delete_work.msg_id, 'dead', 'deleted with animus.delete_work', 'deleted');
    RETURN pgmq.delete(delete_work.queue_name, delete_work.msg_id);
END
$$;

COMMENT ON FUNCTION animus.delete_work(text, bigint) IS
    'Low-level: delete the message and mark the item dead (outcome_error says it was deleted); its dedup key is free again. Returns true when pgmq had the message. '
    'Errors: AN001 invalid queue name, AN002 unknown queue, AN003 no item has that msg_id in the queue, '
    'AN004 the item is already completed, dead or merged.';
REVOKE EXECUTE ON FUNCTION animus.delete_work(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION animus.delete_work(text, bigint) TO animus_app;

COMMIT;
