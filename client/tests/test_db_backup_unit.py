"""The pure parts of ``animus db backup`` / ``animus db restore`` (no database): the password
kept out of the process list, and what is read from a dump's table of contents and script."""

from __future__ import annotations

import pytest

from animus.cli.db import _PG_CRON_ENTRY, _ROLE_SETTING, _libpq

pytestmark = pytest.mark.unit


def test_the_password_goes_to_the_environment_not_the_command_line() -> None:
    url, env = _libpq("postgresql://ops:p%40ss@[::1]:5433/animus?sslmode=require")
    assert url == "postgresql://ops@[::1]:5433/animus?sslmode=require"
    assert env["PGPASSWORD"] == "p@ss"
    socket_url = "postgresql://postgres@/animus?host=/srv/run&port=55432"
    assert _libpq(socket_url)[0] == socket_url


def test_pg_crons_entries_of_a_table_of_contents() -> None:
    toc = """2; 3079 16385 EXTENSION - pg_cron
4663; 0 0 COMMENT - EXTENSION pg_cron
5; 3079 17209 EXTENSION - pg_partman
3982; 0 16388 TABLE DATA cron job postgres
3984; 0 16407 TABLE DATA cron job_run_details postgres
4001; 0 0 SEQUENCE SET cron jobid_seq postgres
566; 1255 17185 FUNCTION animus _require_pg_cron() postgres
3989; 0 17213 TABLE DATA partman part_config postgres"""
    cron = [line.split()[0] for line in toc.splitlines() if _PG_CRON_ENTRY.match(line)]
    assert cron == ["2;", "4663;", "3982;", "3984;", "4001;"]


def test_role_settings_are_read_from_the_dumps_script() -> None:
    script = """CREATE DATABASE animus WITH TEMPLATE = template0;
ALTER ROLE animus_app IN DATABASE animus SET statement_timeout TO '30s';
ALTER ROLE "Odd Role" IN DATABASE "my db" SET lock_timeout TO '5s';
"""
    assert _ROLE_SETTING.findall(script) == [
        ("animus_app", "SET statement_timeout TO '30s';"),
        ('"Odd Role"', "SET lock_timeout TO '5s';"),
    ]
