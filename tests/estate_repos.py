"""Small local estates for the nightly-scan tests: git checkouts and a config file listing them."""

from __future__ import annotations

import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}

WORKFLOW = """on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=GIT_ENV, capture_output=True)


def make_repo(root: Path, name: str, variant: int) -> Path:
    """A checkout whose facts differ with ``variant`` (so services score differently)."""
    repo = root / name
    repo.mkdir(parents=True)
    (repo / "README.md").write_text(f"# {name}\n")
    (repo / "app.py").write_text("import logging\nlog = logging.getLogger(__name__)\n")
    if variant % 2:
        (repo / ".github" / "workflows").mkdir(parents=True)
        (repo / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    if variant % 3 == 0:
        (repo / "Dockerfile").write_text("FROM python:3.12-slim\nHEALTHCHECK CMD true\n")
    if variant % 4 == 1:
        (repo / "CODEOWNERS").write_text("* @org/team\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    return repo


def make_estate(root: Path, count: int, *, prefix: str = "svc") -> Path:
    """``count`` repositories and a ``fundamentals.toml`` listing them; returns the config."""
    lines = []
    for i in range(count):
        name = f"{prefix}-{i:03d}"
        repo = make_repo(root / "repos", name, i)
        tier = ("non-critical", "business-critical", "mission-critical")[i % 3]
        lines += [
            "[[services]]",
            f'name = "{name}"',
            f'tier = "{tier}"',
            f'domain = "{("orders", "payments")[i % 2]}"',
            f'repositories = ["{repo}"]',
            "",
        ]
    config = root / "fundamentals.toml"
    config.write_text("\n".join(lines))
    return config


def results_by_content(store, scan_id: int) -> dict[str, tuple]:
    """Each service's result in a scan, as content only (database ids left out), to compare
    scans written into different databases."""
    out = {}
    for r in store.results_for_scan(scan_id):
        evidence = tuple(
            sorted(
                (e.key, repr(e.value), e.reason, e.probe, e.probe_version, repr(e.locators))
                for e in r.evidence.values()
            )
        )
        assessments = tuple(
            sorted(
                (a.category, a.level.value, a.at_least, a.note, tuple(c.result for c in a.trace))
                for a in r.assessments
            )
        )
        out[r.service.name] = (r.service, evidence, assessments)
    return out


def table_counts(store) -> dict[str, int]:
    """Rows per table: a re-run that changes nothing leaves every count as it was."""
    from sqlalchemy import func, select
    from sqlmodel import SQLModel

    with store.session() as session:
        return {
            name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in sorted(SQLModel.metadata.tables.items())
        }
