"""A fake GitHub (REST + GraphQL) on 127.0.0.1, written from the public REST/GraphQL docs.

Payloads carry the fields the docs show and our client reads, with correct ``url`` fields;
lists page with ``Link`` headers; every GET has an ETag; rate-limit headers are sent; faults
can be injected (see ``tests.fakes.server``). Used by the tests and ``benchmarks/github_scan.py``::

    with serve(FakeGitHub(latency=0.05)) as fake:
        fake.add(sample_repo("acme/orders"))
"""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import FakeApi, Reply, Request
from tests.fakes.server import serve as serve_api

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeRepo:
    full_name: str
    sha: str = "a" * 40
    default_branch: str = "main"
    files: dict[str, str] = field(default_factory=dict)
    protection: dict[str, Any] | None = None  # None: "Branch not protected"
    rules: list[dict[str, Any]] = field(default_factory=list)
    codeowners_errors: list[dict[str, Any]] | None = field(default_factory=list)  # None: 404
    environments: list[dict[str, Any]] = field(default_factory=list)
    deployments: list[dict[str, Any]] = field(default_factory=list)  # GraphQL nodes
    runs: list[dict[str, Any]] = field(default_factory=list)
    check_runs: list[dict[str, Any]] = field(default_factory=list)
    dependabot: list[dict[str, Any]] | str = field(default_factory=list)  # str: 403 message
    code_scanning: list[dict[str, Any]] | tuple[int, str] = field(default_factory=list)
    security_and_analysis: dict[str, Any] | None = None  # None: not shown (not an admin)


class FakeGitHub(FakeApi):
    def __init__(self, *, token: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.token = token
        self.repos: dict[str, FakeRepo] = {}
        self.app_tokens_issued = 0

    def add(self, repo: FakeRepo) -> FakeRepo:
        self.repos[repo.full_name] = repo
        return repo

    # --- routing ----------------------------------------------------------------------------

    def route(self, request: Request) -> Reply:
        path = request.path.rstrip("/")
        if path.startswith("/_codeload/"):
            return self._tarball(path)
        if path == "/rate_limit":
            return Reply(body=self._rate_limit(), etag=False, free=True)
        if path.startswith("/app/installations/") and path.endswith("/access_tokens"):
            self.app_tokens_issued += 1
            expires = iso(datetime.now(UTC) + timedelta(hours=1))
            return Reply(201, {"token": self.token or "ghs_installation", "expires_at": expires})
        if not self._authorised(request):
            return Reply(401, {"message": "Bad credentials"}, etag=False)
        if path == "/graphql" and request.method == "POST":
            return self._graphql(request)
        parts = path.split("/")
        if len(parts) < 4 or parts[1] != "repos":
            return _not_found()
        repo = self.repos.get(f"{parts[2]}/{parts[3]}")
        if repo is None:
            return _not_found()
        return self._repo_route(request, repo, "/".join(parts[4:]))

    def _authorised(self, request: Request) -> bool:
        if self.token is None:
            return True
        given = request.headers.get("authorization", "")
        return given in (f"token {self.token}", f"Bearer {self.token}")

    def _repo_route(self, request: Request, repo: FakeRepo, rest: str) -> Reply:
        api = f"{self.base_url}/repos/{repo.full_name}"
        branch = repo.default_branch
        if rest == "":
            return Reply(body=self._repo(repo))
        if rest == f"branches/{branch}":
            return Reply(body=self._branch(repo))
        if rest == f"branches/{branch}/protection":
            if repo.protection is None:
                return Reply(404, {"message": "Branch not protected"}, etag=False)
            return Reply(body={"url": f"{api}/branches/{branch}/protection", **repo.protection})
        if rest == f"rules/branches/{branch}":
            return self._paged(request, f"{api}/rules/branches/{branch}", repo.rules)
        if rest == "codeowners/errors":
            if repo.codeowners_errors is None:
                return _not_found()
            return Reply(body={"errors": repo.codeowners_errors})
        if rest == "environments":
            envs = [self._environment(repo, e) for e in repo.environments]
            return self._paged(request, f"{api}/environments", envs, key="environments")
        if rest == "actions/runs":
            runs = [r for r in repo.runs if r["head_branch"] == request.query.get("branch", branch)]
            return self._paged(request, f"{api}/actions/runs", runs, key="workflow_runs")
        if rest == f"commits/{repo.sha}/check-runs":
            return self._paged(
                request, f"{api}/commits/{repo.sha}/check-runs", repo.check_runs, key="check_runs"
            )
        if rest == "dependabot/alerts":
            if isinstance(repo.dependabot, str):
                return Reply(403, {"message": repo.dependabot}, etag=False)
            return self._paged(request, f"{api}/dependabot/alerts", repo.dependabot)
        if rest == "code-scanning/alerts":
            if isinstance(repo.code_scanning, tuple):
                status, message = repo.code_scanning
                return Reply(status, {"message": message}, etag=False)
            return self._paged(request, f"{api}/code-scanning/alerts", repo.code_scanning)
        if rest.startswith("tarball/"):
            ref = rest.split("/", 1)[1]
            owner, name = repo.full_name.split("/")
            location = (
                f"{self.base_url}/_codeload/{owner}/{name}/legacy.tar.gz/{ref}?token=CODELOAD"
            )
            return Reply(302, None, {"Location": location}, etag=False)
        return _not_found()

    # --- payloads ---------------------------------------------------------------------------

    def _repo(self, repo: FakeRepo) -> dict[str, Any]:
        owner, name = repo.full_name.split("/")
        api = f"{self.base_url}/repos/{repo.full_name}"
        body: dict[str, Any] = {
            "id": abs(hash(repo.full_name)) % 10**8,
            "node_id": "R_kgDO" + name[:8],
            "name": name,
            "full_name": repo.full_name,
            "private": True,
            "owner": {
                "login": owner,
                "type": "Organization",
                "url": f"{self.base_url}/users/{owner}",
            },
            "html_url": f"https://github.example/{repo.full_name}",
            "url": api,
            "default_branch": repo.default_branch,
            "archived": False,
            "visibility": "private",
            "branches_url": f"{api}/branches{{/branch}}",
            "deployments_url": f"{api}/deployments",
        }
        if repo.security_and_analysis is not None:
            body["security_and_analysis"] = repo.security_and_analysis
        return body

    def _branch(self, repo: FakeRepo) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}"
        protected = repo.protection is not None or bool(repo.rules)
        return {
            "name": repo.default_branch,
            "commit": {"sha": repo.sha, "url": f"{api}/commits/{repo.sha}"},
            "protected": protected,
            "protection_url": f"{api}/branches/{repo.default_branch}/protection",
            "_links": {"self": f"{api}/branches/{repo.default_branch}"},
        }

    def _environment(self, repo: FakeRepo, env: dict[str, Any]) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}"
        return {
            "id": abs(hash(env["name"])) % 10**6,
            "node_id": "EN_" + env["name"],
            "name": env["name"],
            "url": f"{api}/environments/{env['name']}",
            "html_url": f"https://github.example/{repo.full_name}/deployments/activity_log?environments_filter={env['name']}",
            "created_at": "2025-01-01T00:00:00Z",
            "updated_at": "2025-06-01T00:00:00Z",
            "protection_rules": env.get("protection_rules", []),
            "deployment_branch_policy": env.get("deployment_branch_policy"),
        }

    def _paged(self, request: Request, url: str, items: list[Any], key: str | None = None) -> Reply:
        per_page = min(100, int(request.query.get("per_page", 30)))
        page = int(request.query.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(items) // per_page))
        links = []
        query = {k: v for k, v in request.query.items() if k != "page"}
        if page < last:
            links.append(f'<{url}?{urlencode({**query, "page": page + 1})}>; rel="next"')
            links.append(f'<{url}?{urlencode({**query, "page": last})}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        body: Any = {"total_count": len(items), key: chunk} if key else chunk
        return Reply(body=body, headers=headers)

    def _graphql(self, request: Request) -> Reply:
        payload = request.json() or {}
        variables = payload.get("variables") or {}
        if "deployments" not in payload.get("query", ""):
            return Reply(200, {"errors": [{"message": "unsupported query"}]}, etag=False)
        repo = self.repos.get(f"{variables.get('owner')}/{variables.get('name')}")
        if repo is None:
            error = {"type": "NOT_FOUND", "message": "Could not resolve to a Repository"}
            return Reply(200, {"data": {"repository": None}, "errors": [error]}, etag=False)
        wanted = set(variables.get("environments") or [])
        nodes = [d for d in repo.deployments if not wanted or d["environment"] in wanted]
        nodes.sort(key=lambda d: d["createdAt"], reverse=True)
        start = int(variables.get("after") or 0)
        chunk = nodes[start : start + 100]
        more = start + 100 < len(nodes)
        block = {
            "pageInfo": {"hasNextPage": more, "endCursor": str(start + 100) if more else None},
            "nodes": chunk,
        }
        return Reply(200, {"data": {"repository": {"deployments": block}}}, etag=False)

    def _tarball(self, path: str) -> Reply:
        # /_codeload/{owner}/{name}/legacy.tar.gz/{ref}
        _, _, owner, name, _, ref = path.split("/", 5)
        repo = self.repos.get(f"{owner}/{name}")
        if repo is None:
            return _not_found()
        return Reply(
            body=make_tarball(f"{owner}-{name}-{ref[:7]}", repo.files),
            headers={"Content-Type": "application/x-gzip"},
            etag=False,
            free=True,
        )

    def _rate_limit(self) -> dict[str, Any]:
        remaining = self.quota if self.quota is not None else self.quota_limit
        core = {
            "limit": self.quota_limit,
            "remaining": remaining,
            "reset": self.reset_at,
            "used": 0,
        }
        return {"resources": {"core": core}, "rate": core}


def _not_found() -> Reply:
    return Reply(
        404,
        {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
        etag=False,
    )


def make_tarball(
    top: str, files: dict[str, str], extra: list[tarfile.TarInfo] | None = None
) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(top)
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        archive.addfile(info)
        for name, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            info.mode = 0o644
            info.mtime = int(time.time())
            archive.addfile(info, io.BytesIO(data))
        for member in extra or []:
            archive.addfile(member, io.BytesIO(b"x" * member.size) if member.isfile() else None)
    return buffer.getvalue()


# --- a realistic repository -------------------------------------------------------------------

WORKFLOW = """\
name: build
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest
  deploy:
    needs: test
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: azure/webapps-deploy@v3
"""


def sample_repo(full_name: str, *, now: datetime = NOW, sha: str = "c0ffee" + "0" * 34) -> FakeRepo:
    """A well-run service: protected main, a guarded production environment, weekly deploys."""
    api = f"/repos/{full_name}"
    deployments = []
    runs = []
    for day in range(0, 84, 7):  # 12 weekly deployments; the one 35 days ago failed
        at = now - timedelta(days=day, hours=2)
        failed = day == 35
        deployments.append(
            {
                "createdAt": iso(at),
                "environment": "production",
                "commit": {"oid": f"{day:040d}", "committedDate": iso(at - timedelta(hours=20))},
                "latestStatus": {
                    "state": "FAILURE" if failed else "SUCCESS",
                    "createdAt": iso(at + timedelta(minutes=10)),
                },
            }
        )
    for day in range(0, 30, 2):
        at = now - timedelta(days=day, hours=3)
        for name in ("build", "deploy"):
            conclusion = "failure" if day == 4 and name == "build" else "success"
            runs.append(_run(api, len(runs) + 1, name, at, conclusion))
    return FakeRepo(
        full_name=full_name,
        sha=sha,
        files={
            "README.md": "# Orders\n\nRunbook: docs/runbook.md\n",
            ".github/CODEOWNERS": "* @acme/orders-team\n",
            ".github/workflows/build.yml": WORKFLOW,
            "requirements.txt": "flask==3.0.0\nopentelemetry-sdk==1.25.0\n",
            "app.py": "from flask import Flask\napp = Flask(__name__)\n",
            "tests/test_app.py": "def test_ok():\n    assert True\n",
        },
        protection={
            "required_status_checks": {
                "strict": True,
                "contexts": ["build"],
                "checks": [{"context": "build", "app_id": 15368}],
            },
            "required_pull_request_reviews": {
                "dismiss_stale_reviews": True,
                "require_code_owner_reviews": True,
                "required_approving_review_count": 2,
            },
            "enforce_admins": {
                "url": f"{api}/branches/main/protection/enforce_admins",
                "enabled": True,
            },
        },
        rules=[{"type": "deletion"}, {"type": "non_fast_forward"}],
        environments=[
            {"name": "staging"},
            {
                "name": "production",
                "protection_rules": [
                    {
                        "id": 1,
                        "node_id": "GA_1",
                        "type": "required_reviewers",
                        "prevent_self_review": True,
                        "reviewers": [{"type": "Team", "reviewer": {"slug": "orders-team"}}],
                    },
                    {"id": 2, "node_id": "GA_2", "type": "wait_timer", "wait_timer": 15},
                    {"id": 3, "node_id": "GA_3", "type": "branch_policy"},
                ],
                "deployment_branch_policy": {
                    "protected_branches": True,
                    "custom_branch_policies": False,
                },
            },
        ],
        deployments=deployments,
        runs=runs,
        check_runs=[
            {
                "id": 11,
                "name": "test",
                "status": "completed",
                "conclusion": "success",
                "url": f"{api}/check-runs/11",
                "output": {"title": "42 tests passed", "summary": ""},
                "app": {"slug": "github-actions"},
            },
        ],
        dependabot=[_alert(api, 1, "critical"), _alert(api, 2, "high"), _alert(api, 3, "low")],
        code_scanning=[_code_alert(api, 1, "high"), _code_alert(api, 2, "medium")],
        security_and_analysis={
            "advanced_security": {"status": "enabled"},
            "secret_scanning": {"status": "enabled"},
            "secret_scanning_push_protection": {"status": "enabled"},
        },
    )


def _run(api: str, number: int, name: str, at: datetime, conclusion: str) -> dict[str, Any]:
    return {
        "id": 1000 + number,
        "name": name,
        "head_branch": "main",
        "head_sha": f"{number:040x}",
        "run_number": number,
        "event": "push",
        "status": "completed",
        "conclusion": conclusion,
        "created_at": iso(at),
        "updated_at": iso(at + timedelta(minutes=8)),
        "url": f"{api}/actions/runs/{1000 + number}",
        "head_commit": {"id": f"{number:040x}", "timestamp": iso(at - timedelta(hours=5))},
    }


def _alert(api: str, number: int, severity: str) -> dict[str, Any]:
    return {
        "number": number,
        "state": "open",
        "url": f"{api}/dependabot/alerts/{number}",
        "dependency": {"package": {"ecosystem": "pip", "name": "flask"}},
        "security_advisory": {"ghsa_id": f"GHSA-xxxx-{number:04d}", "severity": severity},
        "security_vulnerability": {"severity": severity},
    }


def _code_alert(api: str, number: int, severity: str) -> dict[str, Any]:
    return {
        "number": number,
        "state": "open",
        "url": f"{api}/code-scanning/alerts/{number}",
        "rule": {
            "id": f"py/rule-{number}",
            "severity": "error",
            "security_severity_level": severity,
        },
        "tool": {"name": "CodeQL"},
    }


@contextmanager
def serve(latency: float = 0.0, **options: Any) -> Iterator[FakeGitHub]:
    """A running fake GitHub on a free port; ``latency`` seconds are added to every request."""
    with serve_api(FakeGitHub(latency=latency, **options)) as api:
        assert isinstance(api, FakeGitHub)
        yield api
