-- Verify animus:function__check_pgmq on pg
BEGIN;

-- Raises AN000 if pgmq was updated out of the tested range after the deploy.
SELECT animus._check_pgmq();

ROLLBACK;
