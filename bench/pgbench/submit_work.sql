-- animus: one submit with a fresh dedup key (the bench/run.py pair does the same).
SELECT * FROM animus.submit_work('pgb_animus', 'bench', 'bench', '{"text": "summarise the nightly report"}',
                                 dedup_key => gen_random_uuid()::text);
