"""The deployment probe: ci.deploys, ci.environments, iac.pipeline."""

from __future__ import annotations

import pytest

from probes import deployment
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(deployment.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, deployment.PROBE, key)
