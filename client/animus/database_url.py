"""Database URLs: what the client accepts, normalised to the ``postgresql://`` form asyncpg takes.

Kept apart from ``config`` (pydantic-settings) so that connecting with a URL, and the CLI,
load no settings machinery.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ConfigError

#: What a database URL may start with: libpq's schemes, and SQLAlchemy's driver-qualified forms
#: (``postgresql+asyncpg://``, which LangChain users have), whose driver part is dropped.
URL_SCHEMES = ("postgresql", "postgres")
URL_DRIVERS = ("asyncpg", "psycopg", "psycopg2")
_ENCODE = "a password holding '/', '@', ':', '#' or '?' must be percent-encoded"


class BadUrl(ValueError):
    """Why a URL is unusable, in words that never quote it (it may hold a password)."""


def normalize_url(url: str) -> str:
    """``url`` as a ``postgresql://`` URL; ``BadUrl`` says what is wrong with it."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        raise BadUrl("it is not a URL (expected postgresql://user:password@host:port/database)")
    base, _, driver = scheme.lower().partition("+")
    if base not in URL_SCHEMES or (driver and driver not in URL_DRIVERS):
        raise BadUrl(
            "it must start with postgresql:// (postgres://, postgresql+asyncpg:// and "
            "postgresql+psycopg:// are accepted too)"
        )
    normalized = "postgresql://" + rest
    parts = urlsplit(normalized)
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        raise BadUrl(f"the port is not a number; {_ENCODE}") from None
    if "@" in parts.path or "@" in parts.query or parts.fragment:
        raise BadUrl(f"its host part ends early; {_ENCODE}")
    return normalized


def normalize_database_url(url: str, *, name: str = "DATABASE_URL") -> str:
    """``url`` as the ``postgresql://`` URL asyncpg takes.

    Raises ``ConfigError`` saying what is wrong with it, without quoting it: ``name`` is how
    the message refers to the URL (``--url``, ``DATABASE_URL``...).
    """
    try:
        return normalize_url(url)
    except BadUrl as exc:
        raise ConfigError([f"{name} is not a valid URL: {exc}"]) from None


def database_url_from_env(env_file: str | Path | None = ".env") -> str | None:
    """``ANIMUS_DATABASE_URL`` or ``DATABASE_URL`` from the environment, else from
    ``env_file`` when it exists (read as ``Config`` reads it), unchecked; None when neither
    sets it."""
    for name in ("ANIMUS_DATABASE_URL", "DATABASE_URL"):
        if os.environ.get(name):
            return os.environ[name]
    if env_file is None or not Path(env_file).is_file():
        return None
    from dotenv import dotenv_values  # pydantic-settings' own .env reader

    values = {k.upper(): v for k, v in dotenv_values(env_file).items() if v}
    return values.get("ANIMUS_DATABASE_URL") or values.get("DATABASE_URL")


__all__ = [
    "URL_DRIVERS",
    "URL_SCHEMES",
    "BadUrl",
    "database_url_from_env",
    "normalize_database_url",
    "normalize_url",
]
