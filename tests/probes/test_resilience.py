"""The resilience probe: resilience.library."""

from __future__ import annotations

import pytest

from probes import resilience
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(resilience.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, resilience.PROBE, key)
