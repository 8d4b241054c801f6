"""The ci-systems probe: ci.github_actions, ci.azure_pipelines."""

from __future__ import annotations

import pytest

from probes import ci_systems
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(ci_systems.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, ci_systems.PROBE, key)
