"""The automated-tests probe: tests.present."""

from __future__ import annotations

import pytest

from probes import automated_tests
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(automated_tests.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, automated_tests.PROBE, key)
