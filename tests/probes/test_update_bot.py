"""The update-bot probe: deps.update_bot."""

from __future__ import annotations

import pytest

from probes import update_bot
from tests.probes.cases import Case, cases_for, check


@pytest.mark.parametrize(("case", "key"), cases_for(update_bot.PROBE), ids=str)
def test_fixture_repositories(case: Case, key: str) -> None:
    check(case, update_bot.PROBE, key)
