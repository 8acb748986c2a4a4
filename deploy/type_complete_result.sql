-- Deploy animus:type_complete_result to pg
BEGIN;

CREATE TYPE animus.complete_result AS (work_id uuid, status text, sqlstate text);

COMMENT ON TYPE animus.complete_result IS
    'Result of complete_work_batch per item: status completed; busy (its message was locked by another '
    'transaction: nothing changed, settle it again); or refused, with the SQLSTATE complete_work would have raised: '
    'unknown (AN003), not_running (AN004), lease_lost (AN015), cancelled (AN016).';

COMMIT;
