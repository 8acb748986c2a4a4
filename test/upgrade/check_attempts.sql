-- Upgrade check: attempt history, type policies and work_result on the rows seeded under v0.1.0.
BEGIN;
SELECT plan(5);

SELECT is((SELECT count(*)::int FROM animus.work_attempts WHERE work_id IN (SELECT id FROM public.upgrade_items)),
    0, 'old items start with no attempt history');
SELECT is((SELECT count(*)::int FROM animus.work_type_policies WHERE work_type LIKE 'upg%'), 0, 'no type policy for the old types');
SELECT is((SELECT state FROM animus.work_result((SELECT id FROM public.upgrade_items WHERE dedup_key = 'upg-running'))),
    'running', 'work_result reads an old item');
SELECT is(animus.fail_work((SELECT id FROM public.upgrade_items WHERE dedup_key = 'upg-running'), 'after upgrade', 0),
    'queued', 'fail_work retries the item that was running across the upgrade');
SELECT is((SELECT error FROM animus.work_attempts WHERE work_id = (SELECT id FROM public.upgrade_items WHERE dedup_key = 'upg-running')),
    'after upgrade', 'and starts its attempt history');

SELECT * FROM finish();
ROLLBACK;
