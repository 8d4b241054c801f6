"""The codeowners probe: repo.codeowners."""

from __future__ import annotations

import pytest

from probes import codeowners
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(codeowners.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, codeowners.PROBE, key)
