"""Target kind ``platform``: what only the hosting platform's API knows, one shape for both.

A ``PlatformSnapshot`` (GitHub or Azure DevOps) answers questions lazily — protection of the
default branch, environments, deployments, runs, security alerts — each with one or a few
conditional requests, asked at most once per scan however many probes want the answer. A
question it cannot answer raises :class:`RemoteError` with the reason (e.g. the permission the
token lacks); probes turn that into an unknown fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from scanner.collect import CollectError, Collector
from scanner.models import Target
from scanner.remote.context import current
from scanner.remote.http import RemoteError
from scanner.remote.targets import GITHUB, PLATFORM_KIND, split_location

# Environment names that mean production (prod, production, prd, live, prod-eu, uk-production …)
PRODUCTION_NAME = re.compile(r"(^|[^a-z])(prod|production|prd|live)([^a-z]|$)", re.IGNORECASE)
DEPLOY_NAME = re.compile(r"deploy|release|\bcd\b|publish|rollout", re.IGNORECASE)


def is_production(name: str) -> bool:
    return bool(PRODUCTION_NAME.search(name))


@dataclass(frozen=True)
class Protection:
    """Rules on the default branch. A field is None when it could not be read (see reasons)."""

    branch: str
    url: str
    pr_required: bool | None = None
    required_approvals: int | None = None
    codeowner_review: bool | None = None
    status_checks: tuple[str, ...] | None = None
    includes_admins: bool | None = None
    reasons: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Environment:
    name: str
    url: str
    required_reviewers: bool = False
    wait_timer_minutes: int | None = 0
    branch_policy: bool = False
    checks: tuple[str, ...] = ()

    @property
    def production(self) -> bool:
        return is_production(self.name)


@dataclass(frozen=True)
class Deployment:
    environment: str
    created_at: datetime
    finished_at: datetime | None  # when the outcome was known
    succeeded: bool | None  # None: still running, or no outcome recorded
    committed_at: datetime | None  # the deployed commit's date, for lead time
    url: str


@dataclass(frozen=True)
class Run:
    """A workflow / pipeline run on the default branch."""

    name: str
    created_at: datetime
    finished_at: datetime | None
    succeeded: bool | None  # None: cancelled, skipped or not finished: not counted
    committed_at: datetime | None
    url: str


@dataclass(frozen=True)
class Security:
    """Security features and open alerts. A field is None when it could not be read."""

    url: str
    dependabot_open: dict[str, int] | None = None  # severity → open alerts
    code_scanning_enabled: bool | None = None
    code_scanning_open: dict[str, int] | None = None
    secret_scanning_enabled: bool | None = None
    push_protection_enabled: bool | None = None
    reasons: dict[str, str] = field(default_factory=dict)


class PlatformSnapshot(Protocol):
    platform: str  # "github" | "azure-devops"
    location: str
    url: str  # the repository's API URL
    now: datetime

    def protection(self) -> Protection: ...

    def codeowners_errors(self) -> tuple[list[str], str]: ...

    def environments(self) -> tuple[list[Environment], str]: ...

    def deployments(self, since: datetime) -> tuple[list[Deployment], str]: ...

    def runs(self, since: datetime) -> tuple[list[Run], str]: ...

    def tests_reported(self) -> tuple[bool, list[str]]: ...

    def security(self) -> Security: ...


def collect_platform(target: Target) -> PlatformSnapshot:
    remote = split_location(target.location)
    if remote is None:
        raise CollectError(f"{target.location}: not a github: or azure-devops: location")
    scheme, location = remote
    context = current()
    try:
        if scheme == GITHUB:
            from scanner.remote.github_platform import GitHubPlatform

            return GitHubPlatform.open(context, location)
        from scanner.remote.azure_platform import AzurePlatform

        return AzurePlatform.open(context, location)
    except RemoteError as exc:
        raise CollectError(exc.reason) from None


COLLECTOR = Collector(
    kind=PLATFORM_KIND,
    collect=collect_platform,
    description="Asks GitHub (REST + GraphQL) or Azure DevOps for branch protection, "
    "environments, deployments, runs and security alerts — lazily, once per scan, with "
    "conditional requests.",
)
