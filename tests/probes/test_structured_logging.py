"""The structured-logging probe: logging.structured."""

from __future__ import annotations

import pytest

from probes import structured_logging
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(structured_logging.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, structured_logging.PROBE, key)
