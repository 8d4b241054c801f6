"""The readme probe: repo.readme."""

from __future__ import annotations

import pytest

from probes import readme
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(readme.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, readme.PROBE, key)
