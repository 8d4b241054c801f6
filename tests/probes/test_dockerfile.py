"""The dockerfile probe: container.dockerfile."""

from __future__ import annotations

import pytest

from probes import dockerfile
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(dockerfile.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, dockerfile.PROBE, key)
