"""The health-endpoint probe: health.endpoint."""

from __future__ import annotations

import pytest

from probes import health_endpoint
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(health_endpoint.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, health_endpoint.PROBE, key)
