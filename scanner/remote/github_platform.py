"""GitHub's answers for the ``platform`` snapshot: REST with conditional requests, GraphQL once.

Each method is asked at most once per scan (answers, and failures, are remembered), so the six
platform probes cost what the questions cost, not six times it.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from scanner.remote import github
from scanner.remote.context import RemoteContext
from scanner.remote.http import RemoteError
from scanner.remote.platform import Deployment, Environment, Protection, Run, Security

T = TypeVar("T")

DEPLOYMENTS_QUERY = """
query($owner: String!, $name: String!, $environments: [String!], $after: String) {
  repository(owner: $owner, name: $name) {
    deployments(first: 100, after: $after, environments: $environments,
                orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        createdAt
        environment
        commit { oid committedDate }
        latestStatus { state createdAt }
      }
    }
  }
}
"""

FAILED_RUN = {"failure", "timed_out", "startup_failure"}
MAX_DEPLOYMENT_PAGES = 3


def once(method: Callable[..., T]) -> Callable[..., T]:
    """Remember a method's answer (or its RemoteError) per instance and arguments."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> T:
        key = (method.__name__, args)
        with self._lock:
            if key not in self._answers:
                try:
                    self._answers[key] = (True, method(self, *args))
                except RemoteError as exc:
                    self._answers[key] = (False, exc)
            ok, value = self._answers[key]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    return wrapper


class GitHubPlatform:
    platform = "github"

    def __init__(
        self, client: github.GitHubClient, location: str, repo: dict[str, Any], now: datetime
    ) -> None:
        self.client = client
        self.location = location
        self.repo = repo
        self.url = repo.get("url") or client.url(f"/repos/{location}")
        self.branch = repo.get("default_branch") or "main"
        self.now = now
        self._lock = threading.RLock()
        self._answers: dict[Any, tuple[bool, Any]] = {}

    @classmethod
    def open(cls, context: RemoteContext, location: str) -> GitHubPlatform:
        client = github.client(context)
        return cls(client, location, client.repo(location), context.settings.now())

    def _path(self, suffix: str) -> str:
        return f"/repos/{self.location}{suffix}"

    # --- branch protection ------------------------------------------------------------------

    @once
    def protection(self) -> Protection:
        url = self.client.url(self._path(f"/branches/{self.branch}/protection"))
        branch = self.client.get(self._path(f"/branches/{self.branch}"), "contents:read")
        rules: list[dict[str, Any]] | None
        try:
            rules = self.client.get_pages(
                self._path(f"/rules/branches/{self.branch}"), "metadata:read"
            )
        except RemoteError:
            rules = None
        classic: dict[str, Any] | None
        classic_reason = ""
        try:
            classic = self.client.get(
                self._path(f"/branches/{self.branch}/protection"), "administration:read"
            )
        except RemoteError as exc:
            if exc.status == 404 and "not protected" in exc.reason.lower():
                classic = {}
            else:
                classic, classic_reason = None, exc.reason
        if classic is None and branch.get("protected") is False:
            classic = {}  # readable without admin rights: nothing protects the branch
        return _protection(self.branch, url, rules or [], classic, classic_reason)

    # --- CODEOWNERS -------------------------------------------------------------------------

    @once
    def codeowners_errors(self) -> tuple[list[str], str]:
        path = self._path("/codeowners/errors")
        data = self.client.get(path, "contents:read", {"ref": self.branch})
        errors = [
            f"{e.get('path', 'CODEOWNERS')}:{e.get('line', '?')}: {e.get('kind', 'error')}"
            for e in data.get("errors", [])
        ]
        return errors, self.client.url(path)

    # --- environments and deployments -------------------------------------------------------

    @once
    def environments(self) -> tuple[list[Environment], str]:
        path = self._path("/environments")
        raw = self.client.get_pages(
            path, "environments:read", {"per_page": 100}, key="environments"
        )
        return [_environment(e) for e in raw], self.client.url(path)

    @once
    def deployments(self, since: datetime) -> tuple[list[Deployment], str]:
        environments, _ = self.environments()
        production = [e.name for e in environments if e.production]
        url = self.client.url(self._path("/deployments"))
        if not production:
            return [], url
        owner, name = self.location.split("/", 1)
        found: list[Deployment] = []
        after = None
        for _ in range(MAX_DEPLOYMENT_PAGES):
            data = self.client.graphql(
                DEPLOYMENTS_QUERY,
                {"owner": owner, "name": name, "environments": production, "after": after},
                "deployments:read",
            )
            block = ((data.get("repository") or {}).get("deployments")) or {}
            nodes = block.get("nodes") or []
            found += [_deployment(n, url) for n in nodes]
            page = block.get("pageInfo") or {}
            if not page.get("hasNextPage") or (nodes and _when(nodes[-1]["createdAt"]) < since):
                break
            after = page.get("endCursor")
        return [d for d in found if d.created_at >= since], url

    # --- runs and checks --------------------------------------------------------------------

    @once
    def runs(self, since: datetime) -> tuple[list[Run], str]:
        path = self._path("/actions/runs")
        raw = self.client.get_pages(
            path,
            "actions:read",
            {"branch": self.branch, "per_page": 100, "exclude_pull_requests": "true"},
            key="workflow_runs",
            more=lambda page: bool(page) and _when(page[-1]["created_at"]) >= since,
        )
        runs = [_run(r) for r in raw]
        return [r for r in runs if r.created_at >= since], self.client.url(path)

    @once
    def tests_reported(self) -> tuple[bool, list[str]]:
        branch = self.client.get(self._path(f"/branches/{self.branch}"), "contents:read")
        sha = branch["commit"]["sha"]
        path = self._path(f"/commits/{sha}/check-runs")
        checks = self.client.get_pages(path, "checks:read", {"per_page": 100}, key="check_runs")
        hits = [
            c.get("url") or self.client.url(path)
            for c in checks
            if "test" in (c.get("name") or "").lower()
            or "test" in ((c.get("output") or {}).get("title") or "").lower()
        ]
        return bool(hits), hits or [self.client.url(path)]

    # --- security ---------------------------------------------------------------------------

    @once
    def security(self) -> Security:
        reasons: dict[str, str] = {}
        analysis = self.repo.get("security_and_analysis")
        secret = push = None
        if isinstance(analysis, dict):
            secret = (analysis.get("secret_scanning") or {}).get("status") == "enabled"
            push = (analysis.get("secret_scanning_push_protection") or {}).get(
                "status"
            ) == "enabled"
        else:
            why = "token lacks administration:read (security_and_analysis is shown to admins only)"
            reasons["secret_scanning"] = reasons["push_protection"] = why
        dependabot: dict[str, int] | None = None
        try:
            alerts = self.client.get_pages(
                self._path("/dependabot/alerts"),
                "dependabot_alerts:read",
                {"state": "open", "per_page": 100},
            )
            dependabot = dict(Counter(_severity(a, "security_advisory") for a in alerts))
        except RemoteError as exc:
            reasons["dependabot"] = exc.reason
        enabled: bool | None = None
        code: dict[str, int] | None = None
        try:
            alerts = self.client.get_pages(
                self._path("/code-scanning/alerts"),
                "code_scanning_alerts:read",
                {"state": "open", "per_page": 100},
            )
            enabled = True
            code = dict(Counter(_severity(a, "rule") for a in alerts))
        except RemoteError as exc:
            said = exc.reason.lower()
            if exc.status in (403, 404) and (
                "no analysis" in said
                or "advanced security must be enabled" in said
                or "not enabled" in said
            ):
                enabled, code = False, {}
            else:
                reasons["code_scanning"] = exc.reason
        return Security(self.url, dependabot, enabled, code, secret, push, reasons)


# --- parsing ----------------------------------------------------------------------------------


def _protection(
    branch: str,
    url: str,
    rules: list[dict[str, Any]],
    classic: dict[str, Any] | None,
    classic_reason: str,
) -> Protection:
    pr_rules = [r.get("parameters") or {} for r in rules if r.get("type") == "pull_request"]
    check_rules = [
        r.get("parameters") or {} for r in rules if r.get("type") == "required_status_checks"
    ]
    rule_checks = {
        c.get("context", "") for p in check_rules for c in p.get("required_status_checks", [])
    }
    rule_approvals = max(
        (int(p.get("required_approving_review_count") or 0) for p in pr_rules), default=0
    )
    rule_codeowners = any(p.get("require_code_owner_review") for p in pr_rules)
    if classic is None:  # classic protection unreadable: rulesets give only lower bounds
        reasons = {}
        pr = True if pr_rules else None
        approvals = rule_approvals if rule_approvals else None
        codeowners = True if rule_codeowners else None
        for name, value in (
            ("pr_required", pr),
            ("required_approvals", approvals),
            ("codeowner_review", codeowners),
        ):
            if value is None:
                reasons[name] = classic_reason
        reasons["status_checks"] = reasons["includes_admins"] = classic_reason
        return Protection(branch, url, pr, approvals, codeowners, None, None, reasons)
    reviews = classic.get("required_pull_request_reviews") or None
    status = classic.get("required_status_checks") or {}
    checks = set(status.get("contexts") or []) | {
        c.get("context", "") for c in status.get("checks") or []
    }
    return Protection(
        branch,
        url,
        pr_required=bool(pr_rules) or reviews is not None,
        required_approvals=max(
            rule_approvals, int((reviews or {}).get("required_approving_review_count") or 0)
        ),
        codeowner_review=rule_codeowners or bool((reviews or {}).get("require_code_owner_reviews")),
        status_checks=tuple(sorted((checks | rule_checks) - {""})),
        includes_admins=bool((classic.get("enforce_admins") or {}).get("enabled")),
    )


def _environment(raw: dict[str, Any]) -> Environment:
    rules = raw.get("protection_rules") or []
    kinds = tuple(sorted({r.get("type", "") for r in rules} - {""}))
    wait = max(
        (int(r.get("wait_timer") or 0) for r in rules if r.get("type") == "wait_timer"), default=0
    )
    reviewers = any(r.get("type") == "required_reviewers" and r.get("reviewers") for r in rules)
    branch_policy = raw.get("deployment_branch_policy") is not None or "branch_policy" in kinds
    return Environment(
        name=raw.get("name", ""),
        url=raw.get("url", ""),
        required_reviewers=reviewers,
        wait_timer_minutes=wait,
        branch_policy=branch_policy,
        checks=kinds,
    )


def _deployment(node: dict[str, Any], url: str) -> Deployment:
    status = node.get("latestStatus") or {}
    state = (status.get("state") or "").upper()
    succeeded = (
        True
        if state in ("SUCCESS", "INACTIVE")
        else False
        if state in ("FAILURE", "ERROR")
        else None
    )
    commit = node.get("commit") or {}
    return Deployment(
        environment=node.get("environment") or "",
        created_at=_when(node["createdAt"]),
        finished_at=_when(status["createdAt"]) if status.get("createdAt") else None,
        succeeded=succeeded,
        committed_at=_when(commit["committedDate"]) if commit.get("committedDate") else None,
        url=url,
    )


def _run(raw: dict[str, Any]) -> Run:
    conclusion = raw.get("conclusion") or ""
    succeeded = True if conclusion == "success" else False if conclusion in FAILED_RUN else None
    head = raw.get("head_commit") or {}
    return Run(
        name=raw.get("name") or "",
        created_at=_when(raw["created_at"]),
        finished_at=_when(raw["updated_at"]) if raw.get("updated_at") else None,
        succeeded=succeeded if raw.get("status") == "completed" else None,
        committed_at=_when(head["timestamp"]) if head.get("timestamp") else None,
        url=raw.get("url") or "",
    )


def _severity(alert: dict[str, Any], block: str) -> str:
    inner = alert.get(block) or {}
    return str(inner.get("security_severity_level") or inner.get("severity") or "unknown").lower()


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
