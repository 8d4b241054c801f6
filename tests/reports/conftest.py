"""One seeded estate per test session (SQLite), shared by the report tests that only read it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from reports.report import report_document
from scanner.engine import load_rules
from scanner.plugins import default_registry
from scanner.rules import Framework
from scanner.store import Store
from tests.reports.estate import NOW, seed

SINCE = date(2024, 7, 1)


@pytest.fixture(scope="session")
def framework() -> Framework:
    return load_rules(default_registry())


@pytest.fixture(scope="session")
def estate_url(tmp_path_factory, framework) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('estate') / 'estate.db'}"
    store = Store(url)
    seed(store, framework)
    store.engine.dispose()
    yield url


@pytest.fixture(scope="session")
def document(estate_url, framework) -> dict[str, Any]:
    store = Store(estate_url)
    try:
        return report_document(store, framework, since=SINCE, now=NOW)
    finally:
        store.engine.dispose()
