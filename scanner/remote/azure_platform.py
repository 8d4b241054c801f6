"""Azure DevOps's answers for the ``platform`` snapshot: policies, environments, builds."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from scanner.remote import azure_devops
from scanner.remote.azure_devops import PREVIEW, AzureDevOpsClient
from scanner.remote.context import RemoteContext
from scanner.remote.github_platform import once
from scanner.remote.http import RemoteError
from scanner.remote.platform import Deployment, Environment, Protection, Run, Security

NO_SECURITY = "not read from Azure DevOps (Advanced Security for Azure DevOps is not queried)"
FAILED = {"failed"}
WINDOW_DAYS = 90
SUCCEEDED = {"succeeded"}


class AzurePlatform:
    platform = "azure-devops"

    def __init__(
        self, client: AzureDevOpsClient, location: str, repo: dict[str, Any], now: datetime
    ) -> None:
        self.client = client
        self.location = location
        self.org, self.project, self.repo_name = client.split(location)
        self.repo = repo
        self.repo_id = repo.get("id", "")
        self.url = repo.get("url") or client.url(client.repo_path(location))
        self.ref = repo.get("defaultBranch") or "refs/heads/main"
        self.now = now
        self._lock = threading.RLock()
        self._answers: dict[Any, tuple[bool, Any]] = {}

    @classmethod
    def open(cls, context: RemoteContext, location: str) -> AzurePlatform:
        client = azure_devops.client(context)
        return cls(client, location, client.repository(location), context.settings.now())

    def _project(self, suffix: str) -> str:
        return f"{quote(self.org)}/{quote(self.project)}/_apis/{suffix}"

    @once
    def protection(self) -> Protection:
        path = self._project("git/policy/configurations")
        data = self.client.get(
            path, "Code (Read)", {"repositoryId": self.repo_id, "refName": self.ref}
        )
        policies = [
            p for p in data.get("value", []) if p.get("isEnabled") and p.get("isBlocking", True)
        ]
        kinds = {(p.get("type") or {}).get("displayName", ""): p for p in policies}
        approvals = max(
            (
                int((p.get("settings") or {}).get("minimumApproverCount") or 0)
                for p in policies
                if (p.get("type") or {}).get("displayName") == "Minimum number of reviewers"
            ),
            default=0,
        )
        checks = sorted(
            (p.get("settings") or {}).get("displayName")
            or (p.get("type") or {}).get("displayName", "")
            for p in policies
            if (p.get("type") or {}).get("displayName") in ("Build", "Status")
        )
        return Protection(
            branch=self.ref.removeprefix("refs/heads/"),
            url=self.client.url(path),
            pr_required=bool(policies),  # any branch policy makes pull requests mandatory
            required_approvals=approvals,
            codeowner_review="Required reviewers" in kinds,
            status_checks=tuple(checks),
            includes_admins=None,
            reasons={"includes_admins": "Azure DevOps bypass permissions are not read"},
        )

    def codeowners_errors(self) -> tuple[list[str], str]:
        raise RemoteError("Azure Repos does not validate CODEOWNERS (use required reviewers)")

    @once
    def environments(self) -> tuple[list[Environment], str]:
        path = self._project("distributedtask/environments")
        data = self.client.get(path, "Environment (Read)", {"api-version": PREVIEW, "$top": 100})
        found = []
        for env in data.get("value", []):
            name = env.get("name", "")
            url = self.client.url(f"{path}/{env.get('id')}")
            checks = self._checks(env.get("id"))
            found.append(
                Environment(
                    name=name,
                    url=url,
                    required_reviewers="Approval" in checks,
                    wait_timer_minutes=None,
                    branch_policy=any("branch" in c.lower() for c in checks),
                    checks=tuple(sorted(checks)),
                )
            )
        return found, self.client.url(path)

    def _checks(self, environment_id: Any) -> list[str]:
        data = self.client.get(
            self._project("pipelines/checks/configurations"),
            "Environment (Read)",
            {
                "api-version": PREVIEW,
                "resourceType": "environment",
                "resourceId": str(environment_id),
                "$expand": "settings",
            },
        )
        names = []
        for check in data.get("value", []):
            kind = (check.get("type") or {}).get("name", "")
            shown = (check.get("settings") or {}).get("displayName") or ""
            names.append(shown if kind == "Task Check" and shown else kind)
        return [n for n in names if n]

    @once
    def deployments(self, since: datetime) -> tuple[list[Deployment], str]:
        environments, url = self.environments()
        commits = self._commit_dates()
        builds = self._builds()
        found: list[Deployment] = []
        for env in environments:
            if not env.production:
                continue
            data = self.client.get(
                f"{env.url.removeprefix(self.client.base_url + '/')}/environmentdeploymentrecords",
                "Environment (Read)",
                {"api-version": PREVIEW, "top": 100},
            )
            for record in data.get("value", []):
                started = _when(record.get("startTime") or record.get("queueTime"))
                if started is None or started < since:
                    continue
                result = record.get("result") or ""
                build = builds.get(str((record.get("owner") or {}).get("id")), {})
                found.append(
                    Deployment(
                        environment=env.name,
                        created_at=started,
                        finished_at=_when(record.get("finishTime")),
                        succeeded=True
                        if result in SUCCEEDED
                        else False
                        if result in FAILED
                        else None,
                        committed_at=commits.get(build.get("sourceVersion", "")),
                        url=env.url,
                    )
                )
        return found, url

    @once
    def runs(self, since: datetime) -> tuple[list[Run], str]:
        commits = self._commit_dates()
        runs = []
        for build in self._builds().values():
            created = _when(build.get("queueTime"))
            if created is None or created < since:
                continue
            result = build.get("result") or ""
            runs.append(
                Run(
                    name=(build.get("definition") or {}).get("name", ""),
                    created_at=created,
                    finished_at=_when(build.get("finishTime")),
                    succeeded=True if result in SUCCEEDED else False if result in FAILED else None,
                    committed_at=commits.get(build.get("sourceVersion", "")),
                    url=build.get("url", ""),
                )
            )
        return runs, self.client.url(self._project("build/builds"))

    @once
    def _builds(self) -> dict[str, dict[str, Any]]:
        """Default-branch builds of the last 90 days: one call serves DORA, CI health, tests."""
        since = self.now - timedelta(days=WINDOW_DAYS)
        data = self.client.get(
            self._project("build/builds"),
            "Build (Read)",
            {
                "repositoryId": self.repo_id,
                "repositoryType": "TfsGit",
                "branchName": self.ref,
                "minTime": since.strftime("%Y-%m-%dT00:00:00Z"),
                "queryOrder": "queueTimeDescending",
                "$top": 1000,
            },
        )
        return {str(b.get("id")): b for b in data.get("value", [])}

    @once
    def _commit_dates(self) -> dict[str, datetime]:
        since = self.now - timedelta(days=WINDOW_DAYS)
        try:
            data = self.client.get(
                f"{self.client.repo_path(self.location)}/commits",
                "Code (Read)",
                {
                    "searchCriteria.itemVersion.version": self.ref.removeprefix("refs/heads/"),
                    "searchCriteria.fromDate": since.strftime("%Y-%m-%dT00:00:00Z"),
                    "$top": 1000,
                },
            )
        except RemoteError:
            return {}
        dates = {}
        for commit in data.get("value", []):
            when = _when((commit.get("committer") or {}).get("date"))
            if when is not None:
                dates[commit.get("commitId", "")] = when
        return dates

    @once
    def tests_reported(self) -> tuple[bool, list[str]]:
        path = self._project("test/runs")
        data = self.client.get(path, "Test Management (Read)", {"automated": "true", "$top": 100})
        builds = self._builds()
        hits = [
            r.get("url") or self.client.url(path)
            for r in data.get("value", [])
            if str((r.get("build") or {}).get("id")) in builds
        ]
        return bool(hits), hits or [self.client.url(path)]

    def security(self) -> Security:
        reasons = dict.fromkeys(
            ("dependabot", "code_scanning", "secret_scanning", "push_protection"), NO_SECURITY
        )
        return Security(self.url, reasons=reasons)


def _when(text: Any) -> datetime | None:
    if not text:
        return None
    value = str(text).replace("Z", "+00:00")
    if "." in value:  # Azure DevOps writes up to 7 fractional digits
        head, _, tail = value.partition(".")
        digits = tail[: len(tail) - len(tail.lstrip("0123456789"))]
        zone = tail[len(digits) :]
        value = f"{head}.{digits[:6]}{zone}"
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
