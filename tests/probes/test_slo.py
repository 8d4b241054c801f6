"""The slo probe: slo.defined."""

from __future__ import annotations

import pytest

from probes import slo
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(slo.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, slo.PROBE, key)
