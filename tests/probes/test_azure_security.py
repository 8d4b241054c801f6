"""The azure-security probe against the fixture services on the fake Azure server."""

from __future__ import annotations

import pytest

from probes import azure_security
from tests.probes.azure_cases import cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(azure_security.PROBE))
def test_azure_security(case: str, key: str) -> None:
    check(case, key)
