"""Fixtures: fake GitHub / Azure DevOps servers on loopback, settings that point at them.

Imported by the conftest of every test folder that talks to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scanner.models import Observation, Target
from scanner.remote.context import (
    AzureDevOpsSettings,
    GitHubSettings,
    RemoteContext,
    RemoteSettings,
    activate,
)
from scanner.remote.http import Policy
from scanner.remote.platform import collect_platform
from tests.fakes import azure_devops as fake_ado
from tests.fakes import github as fake_gh

TOKEN = "ghp_FAKEtoken0123456789abcdefSECRET"
PAT = "adoPATfake0123456789SECRETvalue"


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait the adapter asked for; tests never actually sleep."""
    return []


@pytest.fixture
def github() -> Iterator[fake_gh.FakeGitHub]:
    with fake_gh.serve(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def azure() -> Iterator[fake_ado.FakeAzureDevOps]:
    with fake_ado.serve(pat=PAT) as fake:
        yield fake


@pytest.fixture
def settings(monkeypatch, github, azure, sleeps) -> RemoteSettings:
    monkeypatch.setenv("FAKE_GH_TOKEN", TOKEN)
    monkeypatch.setenv("FAKE_ADO_PAT", PAT)
    return RemoteSettings(
        github=GitHubSettings(base_url=github.base_url, token_env="FAKE_GH_TOKEN"),
        azure_devops=AzureDevOpsSettings(
            base_url=azure.base_url, pat_env="FAKE_ADO_PAT", use_azure_identity=False
        ),
        policy=Policy(sleep=sleeps.append, timeout=2.0, backoff=0.01),
        now=lambda: fake_gh.NOW,
    )


def platform_facts(settings: RemoteSettings, location: str, probe: Any) -> dict[str, Observation]:
    """Run one platform probe on ``location`` (``github:owner/name`` …) against the fakes."""
    with activate(RemoteContext(settings)):
        snapshot = collect_platform(Target("platform", location))
        observations = {o.key: o for o in probe.observe(snapshot)}
    assert set(observations) == set(probe.fact_keys), "a probe reports every fact it declares"
    return observations
