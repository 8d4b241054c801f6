"""The sast probe: security.sast."""

from __future__ import annotations

import pytest

from probes import sast
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(sast.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, sast.PROBE, key)
