"""The telemetry probe: telemetry.sdk."""

from __future__ import annotations

import pytest

from probes import telemetry
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(telemetry.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, telemetry.PROBE, key)
