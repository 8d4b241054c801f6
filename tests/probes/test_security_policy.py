"""The security-policy probe: repo.security_policy."""

from __future__ import annotations

import pytest

from probes import security_policy
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(security_policy.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, security_policy.PROBE, key)
