"""The secret-scanning probe: security.secret_scanning."""

from __future__ import annotations

import pytest

from probes import secret_scanning
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(secret_scanning.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, secret_scanning.PROBE, key)
