"""The infrastructure probe: iac.kinds."""

from __future__ import annotations

import pytest

from probes import infrastructure
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(infrastructure.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, infrastructure.PROBE, key)
