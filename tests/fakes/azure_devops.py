"""A fake Azure DevOps (Repos, Pipelines, Environments, Test) on 127.0.0.1, from the REST docs.

Answers ``{count, value}`` lists, ETags on GETs, a zip of the tree for ``items?$format=zip``,
and — like the real service — a ``203`` HTML sign-in page for a missing or wrong PAT.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.server import FakeApi, Reply, Request
from tests.fakes.server import serve as serve_api

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


@dataclass
class FakeAdoRepo:
    location: str  # org/project/repo
    sha: str = "b" * 40
    files: dict[str, str] = field(default_factory=dict)
    policies: list[dict[str, Any]] = field(default_factory=list)
    environments: list[dict[str, Any]] = field(default_factory=list)  # {id, name, checks, records}
    builds: list[dict[str, Any]] = field(default_factory=list)
    commits: list[dict[str, Any]] = field(default_factory=list)
    test_runs: list[dict[str, Any]] = field(default_factory=list)


class FakeAzureDevOps(FakeApi):
    def __init__(self, *, pat: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.pat = pat
        self.repos: dict[str, FakeAdoRepo] = {}

    def add(self, repo: FakeAdoRepo) -> FakeAdoRepo:
        self.repos[repo.location] = repo
        return repo

    def route(self, request: Request) -> Reply:
        if self.pat is not None:
            expected = "Basic " + base64.b64encode(f":{self.pat}".encode()).decode()
            if request.headers.get("authorization") != expected:
                page = b"<html><body>Sign in to your account</body></html>"
                return Reply(203, page, {"Content-Type": "text/html; charset=utf-8"}, etag=False)
        parts = request.path.strip("/").split("/")
        if len(parts) < 4 or parts[2] != "_apis":
            return _not_found()
        org, project, rest = parts[0], parts[1], parts[3:]
        repos = [r for r in self.repos.values() if r.location.startswith(f"{org}/{project}/")]
        base = f"{self.base_url}/{org}/{project}/_apis"
        if rest[:2] == ["git", "repositories"] and len(rest) >= 3:
            repo = self.repos.get(f"{org}/{project}/{rest[2]}")
            if repo is None:
                return _not_found()
            return self._repo_route(request, repo, rest[3:], base)
        if rest == ["git", "policy", "configurations"]:
            repo = next((r for r in repos if _id(r) == request.query.get("repositoryId")), None)
            return _list(repo.policies if repo else [])
        if rest == ["distributedtask", "environments"]:
            envs = [{"id": e["id"], "name": e["name"]} for r in repos for e in r.environments]
            return _list(envs)
        if rest[:2] == ["distributedtask", "environments"] and rest[3:] == [
            "environmentdeploymentrecords"
        ]:
            env = self._environment(repos, rest[2])
            return _list(env.get("records", []) if env else [])
        if rest == ["pipelines", "checks", "configurations"]:
            env = self._environment(repos, request.query.get("resourceId", ""))
            return _list(env.get("checks", []) if env else [])
        if rest == ["build", "builds"]:
            wanted = request.query.get("repositoryId")
            builds = [b for r in repos if _id(r) == wanted for b in r.builds]
            return _list(builds)
        if rest == ["test", "runs"]:
            return _list([t for r in repos for t in r.test_runs])
        return _not_found()

    def _environment(self, repos: list[FakeAdoRepo], env_id: str) -> dict[str, Any] | None:
        for repo in repos:
            for env in repo.environments:
                if str(env["id"]) == str(env_id):
                    return env
        return None

    def _repo_route(self, request: Request, repo: FakeAdoRepo, rest: list[str], base: str) -> Reply:
        org, project, name = repo.location.split("/")
        url = f"{base}/git/repositories/{_id(repo)}"
        if not rest:
            return Reply(
                body={
                    "id": _id(repo),
                    "name": name,
                    "url": url,
                    "defaultBranch": "refs/heads/main",
                    "project": {"id": f"p-{project}", "name": project},
                    "webUrl": f"https://dev.azure.example/{org}/{project}/_git/{name}",
                }
            )
        if rest == ["refs"]:
            ref = {
                "name": "refs/heads/main",
                "objectId": repo.sha,
                "url": f"{url}/refs?filter=heads%2Fmain",
            }
            return _list([ref])
        if rest == ["items"]:
            return Reply(
                body=make_zip(repo.files),
                headers={"Content-Type": "application/zip"},
                etag=False,
                free=True,
            )
        if rest == ["commits"]:
            return _list(repo.commits)
        return _not_found()


def _id(repo: FakeAdoRepo) -> str:
    return "r-" + repo.location.rsplit("/", 1)[1]


def _list(items: list[Any]) -> Reply:
    return Reply(body={"count": len(items), "value": items})


def _not_found() -> Reply:
    return Reply(
        404,
        {"$id": "1", "message": "The resource cannot be found.", "typeKey": "NotFoundException"},
        etag=False,
    )


def make_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(files.items()):
            archive.writestr(name, text)
    return buffer.getvalue()


PIPELINE = """\
trigger: [main]
stages:
  - stage: build
    jobs:
      - job: test
        steps:
          - task: DotNetCoreCLI@2
            inputs: {command: test}
          - task: PublishTestResults@2
  - stage: deploy
    jobs:
      - deployment: prod
        environment: production
        strategy:
          runOnce:
            deploy:
              steps:
                - task: AzureWebApp@1
"""


def sample_repo(location: str = "contoso/shop/orders", *, now: datetime = NOW) -> FakeAdoRepo:
    base = f"https://dev.azure.example/{location.rsplit('/', 1)[0]}/_apis"
    builds, commits, records = [], [], []
    for day in range(0, 84, 7):
        at = now - timedelta(days=day, hours=1)
        build_id = 500 + day
        sha = f"{day:040x}"
        failed = day == 14
        commits.append(
            {
                "commitId": sha,
                "committer": {"date": iso(at - timedelta(hours=10))},
                "url": f"{base}/git/commits/{sha}",
            }
        )
        builds.append(
            {
                "id": build_id,
                "buildNumber": f"2026.{build_id}",
                "status": "completed",
                "result": "failed" if failed else "succeeded",
                "queueTime": iso(at),
                "finishTime": iso(at + timedelta(minutes=20)),
                "sourceBranch": "refs/heads/main",
                "sourceVersion": sha,
                "definition": {"id": 7, "name": "orders-deploy"},
                "url": f"{base}/build/Builds/{build_id}",
            }
        )
        records.append(
            {
                "id": 900 + day,
                "environmentId": 3,
                "definition": {"id": 7, "name": "orders-deploy"},
                "owner": {"id": build_id, "name": f"2026.{build_id}"},
                "planType": "Build",
                "stageName": "deploy",
                "jobName": "prod",
                "result": "failed" if failed else "succeeded",
                "queueTime": iso(at),
                "startTime": iso(at + timedelta(minutes=5)),
                "finishTime": iso(at + timedelta(minutes=20)),
            }
        )
    return FakeAdoRepo(
        location=location,
        files={
            "README.md": "# Orders\n",
            "azure-pipelines.yml": PIPELINE,
            "Orders.csproj": "<Project />\n",
        },
        policies=[
            {
                "id": 1,
                "isEnabled": True,
                "isBlocking": True,
                "type": {"id": "fa4e907d", "displayName": "Minimum number of reviewers"},
                "settings": {
                    "minimumApproverCount": 2,
                    "creatorVoteCounts": False,
                    "scope": [{"refName": "refs/heads/main", "matchKind": "Exact"}],
                },
            },
            {
                "id": 2,
                "isEnabled": True,
                "isBlocking": True,
                "type": {"id": "0609b952", "displayName": "Build"},
                "settings": {
                    "buildDefinitionId": 6,
                    "displayName": "orders-ci",
                    "scope": [{"refName": "refs/heads/main"}],
                },
            },
        ],
        environments=[
            {"id": 2, "name": "test", "checks": [], "records": []},
            {
                "id": 3,
                "name": "production",
                "checks": [
                    {
                        "id": 31,
                        "type": {"id": "8c6f20a7", "name": "Approval"},
                        "settings": {"approvers": [{"displayName": "Orders leads"}]},
                    },
                    {
                        "id": 32,
                        "type": {"id": "fe1de3ee", "name": "Task Check"},
                        "settings": {"displayName": "Branch control"},
                    },
                ],
                "records": records,
            },
        ],
        builds=builds,
        commits=commits,
        test_runs=[
            {
                "id": 77,
                "name": "orders unit tests",
                "build": {"id": str(builds[0]["id"])},
                "url": f"{base}/test/Runs/77",
            }
        ],
    )


@contextmanager
def serve(latency: float = 0.0, **options: Any) -> Iterator[FakeAzureDevOps]:
    with serve_api(FakeAzureDevOps(latency=latency, **options)) as api:
        assert isinstance(api, FakeAzureDevOps)
        yield api
