"""A hostile repository scanned end to end: the scan finishes fast, says what it could not
read, records unknown instead of a false Red, and never follows links out of the tree."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import cli
from scanner.store import Store

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
on: push
jobs: {test: {runs-on: ubuntu-latest, steps: [{run: "echo *g"}]}}
"""


def make_hostile_repo(root: Path) -> Path:
    repo = root / "hostile"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / "README.md").write_text("# hostile\n")
    (repo / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs:\n  test: [\n")
    (repo / ".github" / "workflows" / "bomb.yml").write_text(BOMB)
    (repo / "huge.log").write_text("small for now\n")
    os.symlink("/etc", repo / "etc-link")
    os.symlink("/etc/passwd", repo / "SECURITY.md")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    os.truncate(repo / "huge.log", 1 << 30)  # 1 GB, sparse: it must never be read
    return repo


def test_hostile_repository_scan_finishes_and_records_what_it_could_not_read(tmp_path):
    repo = make_hostile_repo(tmp_path)
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["scan", str(repo), "--json", "--db", db])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert elapsed < 10

    [service] = json.loads(result.output)["services"]
    facts = service["facts"]
    assert facts["repo.readme"] is True
    assert facts["repo.security_policy"] is False  # a link to /etc/passwd is not a policy
    assert facts["ci.github_actions"] is None  # both workflows unreadable: unknown
    assert facts["ci.runs_tests"] is None
    assert service["assessments"]["logging"] != "red" or facts["logging.structured"] is False

    store = Store(db)
    [recorded] = store.latest_results()
    [target] = store.target_runs(recorded.service_scan_id)
    problems = target.problems or ""
    assert ".github/workflows/ci.yml:" in problems
    assert ".github/workflows/bomb.yml" in problems and "YAML bomb" in problems
    assert "etc-link" in problems  # links out of the tree are skipped and said so
    reason = recorded.evidence["ci.runs_tests"].reason or ""
    assert ".github/workflows/ci.yml" in reason


def test_unwritable_database_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = CliRunner().invoke(
        cli, ["scan", str(tmp_path), "--db", f"sqlite:///{blocker / 'db.sqlite'}"]
    )
    assert result.exit_code == 2
    assert result.output.startswith("error: cannot create the database folder")
    assert len(result.output.strip().splitlines()) == 1
