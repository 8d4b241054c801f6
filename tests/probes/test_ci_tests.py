"""The ci-tests probe: ci.runs_tests."""

from __future__ import annotations

import pytest

from probes import ci_tests
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(ci_tests.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, ci_tests.PROBE, key)
