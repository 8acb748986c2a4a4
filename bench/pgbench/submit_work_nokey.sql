-- animus: one submit without a dedup key.
SELECT * FROM animus.submit_work('pgb_animus', 'bench', 'bench', '{"text": "summarise the nightly report"}');
