"""The azure-monitoring probe against the fixture services on the fake Azure server."""

from __future__ import annotations

import pytest

from probes import azure_monitoring
from tests.probes.azure_cases import cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(azure_monitoring.PROBE))
def test_azure_monitoring(case: str, key: str) -> None:
    check(case, key)
