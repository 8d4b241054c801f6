"""The dashboards probe: dashboards.as_code."""

from __future__ import annotations

import pytest

from probes import dashboards
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(dashboards.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, dashboards.PROBE, key)
