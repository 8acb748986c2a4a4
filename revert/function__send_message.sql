-- Revert animus:function__send_message from pg
BEGIN;

DROP FUNCTION animus._route_queues(integer);
DROP FUNCTION animus._route_tree(text[], integer, integer, text, text);
DROP FUNCTION animus._send_message(text, bigint, integer, jsonb, jsonb);

COMMIT;
