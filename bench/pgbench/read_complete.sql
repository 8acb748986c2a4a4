-- animus: read one item and complete it with its lease (one statement, one transaction).
SELECT animus.complete_work(r.id, lease => r.lease) FROM animus.read_work('pgb_read_a', 30, 1) AS r;
