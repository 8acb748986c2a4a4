-- Deploy animus:function_partition_memories to pg
-- An operator option for large multi-tenant stores: animus.memories as a table partitioned by
-- HASH (scope), each partition with its own HNSW graph (the parent's indexes propagate), so a
-- scope's search walks only the graph of its partition. HASH and not LIST: an agent may name a
-- new scope at any time, and a LIST partition per scope would need DDL for each (the agent
-- roles hold no DDL right, and a trigger that creates tables on first use would serialize the
-- writers of new scopes); HASH needs none, and a large tenant still shares its partition with
-- only 1/N of the others. Every memory function already says "scope = $scope" in each WHERE,
-- so the planner prunes every call to one partition and no function changes.
--
-- PostgreSQL cannot turn a table into a partitioned one in place, so the table is rebuilt in
-- one transaction under ACCESS EXCLUSIVE: a new table LIKE the old (columns, defaults, the
-- generated tsvector, checks, comments), the rows copied with their ids, the id sequence moved
-- to the new table, the views on it re-pointed, the old table dropped, then the constraints,
-- indexes, triggers, comment, grants and owner recreated from the old table's catalogue
-- entries under their old names. The keyword statistics triggers are created after the copy,
-- so memory_lexeme_stats and memory_corpus_stats stay exactly as they were. The primary key
-- must hold the partition key: it becomes (id, scope) on a partitioned table (ids still come
-- from the one sequence, so they stay unique) and (id) again on a plain one. No foreign key
-- references memories, and ON CONFLICT ON CONSTRAINT memories_dedup_key / memories_key_chunk
-- keep working: both constraints start with scope already.
BEGIN;

CREATE FUNCTION animus._rebuild_memories(partitions integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    old_oid oid;
    old_owner name;
    old_acl aclitem[];
    table_comment text;
    cols text;
    seq text;
    moved bigint;
    views jsonb;
    cons jsonb;
    idxs jsonb;
    trgs jsonb;
    col_acls jsonb;
    item jsonb;
    g record;
    i integer;
    width integer;
BEGIN
    LOCK TABLE animus.memories IN ACCESS EXCLUSIVE MODE;
    old_oid := 'animus.memories'::regclass;
    SELECT c.relowner::regrole::name, c.relacl, obj_description(c.oid, 'pg_class')
      INTO old_owner, old_acl, table_comment
      FROM pg_class AS c WHERE c.oid = old_oid;

    -- What this function cannot carry over is refused before anything changes.
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE confrelid = old_oid)
       OR EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = old_oid)
       OR EXISTS (SELECT 1 FROM pg_depend AS d
                  WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = old_oid
                    AND d.classid = 'pg_proc'::regclass) THEN
        RAISE EXCEPTION 'animus.memories has a foreign key, policy or SQL-body function depending on it; it cannot be rebuilt'
            USING ERRCODE = 'AN039',
                  HINT = 'Drop the dependent object, rebuild, and create it again.';
    END IF;
    IF partitions > 0 AND EXISTS (
        SELECT 1 FROM pg_constraint AS k
        WHERE k.conrelid = old_oid AND k.contype IN ('u', 'x')
          AND NOT (SELECT a.attnum FROM pg_attribute AS a
                   WHERE a.attrelid = old_oid AND a.attname = 'scope') = ANY (k.conkey)) THEN
        RAISE EXCEPTION 'animus.memories has a unique constraint without scope; a table partitioned by scope cannot enforce it'
            USING ERRCODE = 'AN039';
    END IF;

    -- The old table's catalogue entries, read before its name moves.
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'name', v.oid::regclass::text, 'def', pg_get_viewdef(v.oid),
               'options', coalesce(array_to_string(v.reloptions, ', '), ''))), '[]')
      INTO views
      FROM pg_class AS v
      WHERE v.oid IN (SELECT r.ev_class FROM pg_rewrite AS r
                      JOIN pg_depend AS d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                      WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = old_oid
                        AND r.ev_class <> old_oid);
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'name', k.conname, 'type', k.contype, 'def', pg_get_constraintdef(k.oid),
               'comment', obj_description(k.oid, 'pg_constraint')) ORDER BY k.conname), '[]')
      INTO cons
      FROM pg_constraint AS k WHERE k.conrelid = old_oid AND k.contype IN ('p', 'u', 'x');
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'name', x.indexrelid::regclass::text,
               -- a partitioned index prints as ON ONLY; on the new parent it must propagate
               'def', regexp_replace(pg_get_indexdef(x.indexrelid), ' ON ONLY ', ' ON '),
               'comment', obj_description(x.indexrelid, 'pg_class')) ORDER BY x.indexrelid), '[]')
      INTO idxs
      FROM pg_index AS x
      WHERE x.indrelid = old_oid
        AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = x.indexrelid AND k.conrelid = old_oid);
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'name', t.tgname, 'def', pg_get_triggerdef(t.oid), 'enabled', t.tgenabled,
               'comment', obj_description(t.oid, 'pg_trigger')) ORDER BY t.tgname), '[]')
      INTO trgs
      FROM pg_trigger AS t WHERE t.tgrelid = old_oid AND NOT t.tgisinternal AND t.tgparentid = 0;
    SELECT coalesce(jsonb_agg(jsonb_build_object('col', a.attname, 'acl', a.attacl::text[])), '[]')
      INTO col_acls
      FROM pg_attribute AS a WHERE a.attrelid = old_oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL;
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols
      FROM pg_attribute AS a
      WHERE a.attrelid = old_oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
    seq := pg_get_serial_sequence('animus.memories', 'id');

    -- The new table: no index or trigger yet, so the copy is a plain bulk insert and fires no
    -- statistics trigger (the statistics already count these rows).
    EXECUTE 'CREATE TABLE animus.memories_rebuild (LIKE animus.memories INCLUDING DEFAULTS INCLUDING GENERATED '
            'INCLUDING CONSTRAINTS INCLUDING COMMENTS INCLUDING STORAGE INCLUDING COMPRESSION)'
            || CASE WHEN partitions > 0 THEN ' PARTITION BY HASH (scope)' ELSE '' END;
    width := length(partitions::text);
    FOR i IN 0 .. partitions - 1 LOOP
        EXECUTE format('CREATE TABLE animus.%I PARTITION OF animus.memories_rebuild '
                       'FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                       format('memories_h%s_%s', partitions, lpad(i::text, width, '0')), partitions, i);
        EXECUTE format('COMMENT ON TABLE animus.%I IS %L',
                       format('memories_h%s_%s', partitions, lpad(i::text, width, '0')),
                       format('Partition %s of %s of animus.memories (hash of scope); made by animus.partition_memories. Use the parent.', i, partitions));
    END LOOP;
    EXECUTE format('INSERT INTO animus.memories_rebuild (%s) SELECT %s FROM animus.memories ORDER BY scope, id', cols, cols);
    GET DIAGNOSTICS moved = ROW_COUNT;

    -- The id sequence (and its grants) carries over: the new id default already draws from it.
    IF seq IS NOT NULL THEN
        EXECUTE format('ALTER SEQUENCE %s OWNED BY animus.memories_rebuild.id', seq);
    END IF;
    ALTER TABLE animus.memories RENAME TO memories_retired;
    ALTER TABLE animus.memories_rebuild RENAME TO memories;
    -- A view keeps its oid, grants and comment through CREATE OR REPLACE, and now reads the new table.
    FOR item IN SELECT * FROM jsonb_array_elements(views) LOOP
        EXECUTE format('CREATE OR REPLACE VIEW %s %s AS %s', item->>'name',
                       CASE WHEN item->>'options' = '' THEN '' ELSE 'WITH (' || (item->>'options') || ')' END,
                       rtrim(item->>'def', '; '));
    END LOOP;
    DROP TABLE animus.memories_retired;

    FOR item IN SELECT * FROM jsonb_array_elements(cons) LOOP
        EXECUTE format('ALTER TABLE animus.memories ADD CONSTRAINT %I %s', item->>'name',
                       CASE WHEN item->>'type' = 'p' THEN
                                CASE WHEN partitions > 0 THEN 'PRIMARY KEY (id, scope)' ELSE 'PRIMARY KEY (id)' END
                            ELSE item->>'def' END);
        IF item->>'comment' IS NOT NULL THEN
            EXECUTE format('COMMENT ON CONSTRAINT %I ON animus.memories IS %L', item->>'name', item->>'comment');
        END IF;
    END LOOP;
    FOR item IN SELECT * FROM jsonb_array_elements(idxs) LOOP
        EXECUTE item->>'def';
        IF item->>'comment' IS NOT NULL THEN
            EXECUTE format('COMMENT ON INDEX %s IS %L', item->>'name', item->>'comment');
        END IF;
    END LOOP;
    FOR item IN SELECT * FROM jsonb_array_elements(trgs) LOOP
        EXECUTE item->>'def';
        IF item->>'enabled' <> 'O' THEN
            EXECUTE format('ALTER TABLE animus.memories %s TRIGGER %I',
                           CASE item->>'enabled' WHEN 'D' THEN 'DISABLE' WHEN 'A' THEN 'ENABLE ALWAYS' ELSE 'ENABLE REPLICA' END,
                           item->>'name');
        END IF;
        IF item->>'comment' IS NOT NULL THEN
            EXECUTE format('COMMENT ON TRIGGER %I ON animus.memories IS %L', item->>'name', item->>'comment');
        END IF;
    END LOOP;

    EXECUTE format('COMMENT ON TABLE animus.memories IS %L', table_comment);
    IF old_owner <> current_user THEN
        EXECUTE format('ALTER TABLE animus.memories OWNER TO %I', old_owner);
    END IF;
    -- NULL is the default ACL (the owner's rights only), which the new table has already.
    FOR g IN SELECT a.grantee, a.privilege_type, a.is_grantable
             FROM aclexplode(old_acl) AS a WHERE a.grantee <> a.grantor LOOP
        EXECUTE format('GRANT %s ON animus.memories TO %s%s', g.privilege_type,
                       CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(g.grantee::regrole::text) END,
                       CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
    FOR item IN SELECT * FROM jsonb_array_elements(col_acls) LOOP
        FOR g IN SELECT a.grantee, a.privilege_type, a.is_grantable
                 FROM aclexplode(ARRAY(SELECT jsonb_array_elements_text(item->'acl'))::aclitem[]) AS a LOOP
            EXECUTE format('GRANT %s (%I) ON animus.memories TO %s%s', g.privilege_type, item->>'col',
                           CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(g.grantee::regrole::text) END,
                           CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
    END LOOP;
    -- Fresh statistics: the first searches after the swap are planned per partition from them.
    ANALYZE animus.memories;
    RETURN moved;
END
$$;
COMMENT ON FUNCTION animus._rebuild_memories(integer) IS
    'Private: rebuild animus.memories as a table partitioned by HASH (scope) into partitions parts, or plain (0), '
    'in the calling transaction, keeping rows, ids, sequence, constraints, indexes, triggers, comments, grants '
    'and views. Called by partition_memories and unpartition_memories. Raises AN039.';
REVOKE EXECUTE ON FUNCTION animus._rebuild_memories(integer) FROM PUBLIC;

CREATE FUNCTION animus.partition_memories(partitions integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    current_parts integer;
BEGIN
    IF partitions IS NULL OR partitions < 2 OR partitions > 256 THEN
        RAISE EXCEPTION 'partitions must be between 2 and 256, got %', coalesce(partitions::text, 'NULL')
            USING ERRCODE = 'AN038',
                  HINT = 'unpartition_memories() makes the table plain again.';
    END IF;
    LOCK TABLE animus.memories IN ACCESS EXCLUSIVE MODE;
    SELECT count(*) INTO current_parts FROM pg_inherits WHERE inhparent = 'animus.memories'::regclass;
    IF (SELECT relkind FROM pg_class WHERE oid = 'animus.memories'::regclass) = 'p'
       AND current_parts = partitions
       AND (SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'animus.memories'::regclass) = 'h' THEN
        RAISE EXCEPTION 'animus.memories is already partitioned by hash of scope into % partitions', partitions
            USING ERRCODE = 'AN039',
                  HINT = 'Nothing to do; another count repartitions, unpartition_memories() undoes it.';
    END IF;
    RETURN animus._rebuild_memories(partitions);
END
$$;
COMMENT ON FUNCTION animus.partition_memories(integer) IS
    'Operator (schema owner): rebuild animus.memories as partitioned by HASH (scope) into partitions parts '
    '(2..256), each with its own HNSW and other indexes, in one transaction under ACCESS EXCLUSIVE (readers and '
    'writers wait), keeping every memory, id, statistic, grant and function unchanged; on a partitioned table, '
    'repartitions to the new count. Returns the rows moved. Raises AN038 (count outside 2..256), AN039 (already '
    'partitioned into that count, or an object depends on the table that cannot be carried over).';
REVOKE EXECUTE ON FUNCTION animus.partition_memories(integer) FROM PUBLIC;

CREATE FUNCTION animus.unpartition_memories() RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    LOCK TABLE animus.memories IN ACCESS EXCLUSIVE MODE;
    IF (SELECT relkind FROM pg_class WHERE oid = 'animus.memories'::regclass) <> 'p' THEN
        RAISE EXCEPTION 'animus.memories is not partitioned'
            USING ERRCODE = 'AN039',
                  HINT = 'Nothing to do.';
    END IF;
    RETURN animus._rebuild_memories(0);
END
$$;
COMMENT ON FUNCTION animus.unpartition_memories() IS
    'Operator (schema owner): rebuild a partitioned animus.memories as one plain table (the deployed layout), '
    'in one transaction under ACCESS EXCLUSIVE, keeping every memory, id, statistic and grant. Returns the rows '
    'moved. Raises AN039 (the table is not partitioned).';
REVOKE EXECUTE ON FUNCTION animus.unpartition_memories() FROM PUBLIC;

COMMIT;
