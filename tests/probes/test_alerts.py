"""The alerts probe: alerts.as_code."""

from __future__ import annotations

import pytest

from probes import alerts
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(alerts.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, alerts.PROBE, key)
