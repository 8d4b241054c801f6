"""The runbook probe: repo.runbook."""

from __future__ import annotations

import pytest

from probes import runbook
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(runbook.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, runbook.PROBE, key)
