-- Revert animus:function__queue_routes from pg
BEGIN;

DROP FUNCTION animus._route_queues(integer);
DROP FUNCTION animus._route_function(text[], text, text, text, text, text, text, text, text[], text, text, text);
DROP FUNCTION animus._routed_queues();
DROP FUNCTION animus._queue_statement(text, text, text[]);
DROP FUNCTION animus._route_tree(text, text[], integer, integer, text, text[], text, text);
DROP FUNCTION animus._send_message(text, bigint, integer, jsonb, jsonb);
DROP FUNCTION animus._read_messages(text, integer, integer);
DROP FUNCTION animus._archive_message(text, bigint, integer);
DROP FUNCTION animus._lock_messages(text, bigint[], integer[]);
DROP FUNCTION animus._archive_messages(text, bigint[]);

COMMIT;
