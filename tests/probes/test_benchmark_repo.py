"""The benchmark generator makes a repository the probes read the way a real estate reads."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.probes.cases import observe_all, snapshot_of

MAKE_REPO = Path(__file__).parents[2] / "benchmarks" / "make_repo.py"


def make_repo(directory: Path, files: int, *extra: str) -> str:
    done = subprocess.run(
        [sys.executable, str(MAKE_REPO), str(directory), "--files", str(files), *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def test_the_generated_repository_is_deterministic_and_scans_as_an_estate(tmp_path: Path) -> None:
    report = make_repo(tmp_path / "a", 2000, "--git")
    make_repo(tmp_path / "b", 2000)

    first, second = snapshot_of(tmp_path / "a"), snapshot_of(tmp_path / "b")
    started = time.perf_counter()
    facts = observe_all(first)
    elapsed = time.perf_counter() - started

    assert "wrote 2000 files" in report
    assert first.listing_source == "git" and second.listing_source == "walk"
    assert first.files == second.files  # same seed, same tree; ignored folders skipped alike
    assert len(first.files) == 2000
    assert not any("/node_modules/" in p or "/bin/" in p for p in first.files)
    assert facts["repo.stacks"].value == ["dotnet", "go", "java", "node", "python"]
    assert facts["ci.runs_tests"].value is True
    assert facts["iac.kinds"].value == ["bicep", "kubernetes", "terraform"]
    assert first.problems == []
    assert elapsed < 1.0
