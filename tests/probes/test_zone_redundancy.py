"""The zone-redundancy probe: iac.zone_redundant."""

from __future__ import annotations

import pytest

from probes import zone_redundancy
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(zone_redundancy.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, zone_redundancy.PROBE, key)
