"""The stacks probe: repo.stacks."""

from __future__ import annotations

import pytest

from probes import stacks
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(stacks.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, stacks.PROBE, key)
