"""Shared fixtures: fresh databases (SQLite and PostgreSQL) and the built-in plugins only."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from scanner.store import Store, normalise_url

POSTGRES_ENV = "FUNDAMENTALS_TEST_POSTGRES_URL"
HOW_TO_RUN_POSTGRES = (
    f"PostgreSQL tests need {POSTGRES_ENV}, e.g. "
    f"{POSTGRES_ENV}=postgresql://postgres@127.0.0.1:5432/test pytest"
)

# Installed third-party plugins must not change what the tests see.
os.environ.setdefault("FUNDAMENTALS_DISABLE_PLUGIN_AUTOLOAD", "1")


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get(POSTGRES_ENV)
    return f"postgres: {url}" if url else f"postgres: skipped — {HOW_TO_RUN_POSTGRES}"


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'fundamentals.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema on the PostgreSQL server named by the environment, dropped afterwards.

    Given but unreachable is a failure, never a skip.
    """
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(HOW_TO_RUN_POSTGRES)
    base = normalise_url(base)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        pytest.fail(f"{POSTGRES_ENV} is set but the server cannot be used: {exc}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request) -> str:
    """Run a test against SQLite and against PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(name)


@pytest.fixture
def store(db_url) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.engine.dispose()
