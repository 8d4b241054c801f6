"""The performance-tests probe: tests.performance."""

from __future__ import annotations

import pytest

from probes import performance_tests
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(performance_tests.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, performance_tests.PROBE, key)
