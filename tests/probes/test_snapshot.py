"""The repository collector and its snapshot, on ordinary and hostile repositories."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from scanner.collect import CollectError
from scanner.models import Target
from scanner.repository import COLLECTOR, RepoSnapshot
from tests.probes.cases import observe_all

ONE_GIB = 1 << 30


def collect(path: Path) -> RepoSnapshot:
    return COLLECTOR.collect(Target("repository", str(path)))


def write(root: Path, relpath: str, content: str | bytes = "") -> Path:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def messages(snapshot: RepoSnapshot) -> dict[str, str]:
    return {p.path: str(p) for p in snapshot.problems}


# --- what cannot be collected at all --------------------------------------------------------------


def test_a_missing_path_cannot_be_collected(tmp_path: Path) -> None:
    with pytest.raises(CollectError, match="no such directory"):
        collect(tmp_path / "nowhere")


def test_a_file_is_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(CollectError, match="not a directory"):
        collect(write(tmp_path, "file.txt", "x"))


def test_the_collector_is_declared_for_repository_targets() -> None:
    assert COLLECTOR.kind == "repository"


# --- listing --------------------------------------------------------------------------------------


def test_a_plain_directory_is_walked_honouring_nested_gitignore_files(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.log\nsecrets/\n!keep.log\n")
    write(tmp_path, "app.log", "x")
    write(tmp_path, "keep.log", "x")
    write(tmp_path, "secrets/key.txt", "x")
    write(tmp_path, "src/.gitignore", "generated/\n/local.py\n")
    write(tmp_path, "src/generated/model.py", "x")
    write(tmp_path, "src/local.py", "x")
    write(tmp_path, "src/lib/local.py", "x")
    write(tmp_path, "src/main.py", "x")

    snapshot = collect(tmp_path)

    assert snapshot.listing_source == "walk"
    assert snapshot.files == (
        ".gitignore",
        "keep.log",
        "src/.gitignore",
        "src/lib/local.py",
        "src/main.py",
    )


def test_vendored_folders_and_generated_files_are_left_out(tmp_path: Path) -> None:
    for path in (
        "node_modules/pino/package.json",
        "web/node_modules/x/index.js",
        "src/bin/Debug/a.dll",
        "src/obj/project.assets.json",
        "vendor/github.com/x/y.go",
        "target/classes/A.class",
        ".venv/lib/site.py",
        "dist/app.min.js",
        "web/app.min.js",
        "src/Form1.Designer.cs",
        "src/Api.g.cs",
        "pkg/foo.egg-info/PKG-INFO",
    ):
        write(tmp_path, path, "x")
    write(tmp_path, "src/Program.cs", "x")

    assert collect(tmp_path).files == ("src/Program.cs",)


def test_a_git_checkout_lists_tracked_and_untracked_files_but_not_ignored_ones(
    tmp_path: Path,
) -> None:
    write(tmp_path, ".gitignore", "*.tmp\n")
    write(tmp_path, "README.md", "# hi\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "init")
    write(tmp_path, "new.py", "print('new')\n")
    write(tmp_path, "scratch.tmp", "x")

    snapshot = collect(tmp_path)

    assert snapshot.listing_source == "git"
    assert snapshot.files == (".gitignore", "README.md", "new.py")


# --- hostile input --------------------------------------------------------------------------------


def test_a_link_out_of_the_tree_is_never_followed(tmp_path: Path) -> None:
    os.symlink("/etc", tmp_path / "etc")
    os.symlink("/etc/passwd", tmp_path / "README.md")
    write(tmp_path, "docs/guide.md", "# guide\n")
    os.symlink("guide.md", tmp_path / "docs/alias.md")  # inside the tree: fine

    snapshot = collect(tmp_path)
    facts = observe_all(snapshot)

    assert "docs/alias.md" in snapshot.files
    assert not any(p.startswith("etc/") for p in snapshot.files)
    assert "README.md" not in snapshot.files
    assert "symbolic link leads outside" in messages(snapshot)["README.md"]
    assert "symbolic link leads outside" in messages(snapshot)["etc"]
    assert facts["repo.readme"].value is False
    assert snapshot.read_text("docs/alias.md") == "# guide\n"


def test_a_committed_link_out_of_a_git_checkout_is_never_followed(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    os.symlink("/etc/passwd", tmp_path / "package.json")
    write(tmp_path, "main.go", "package main\n")
    git(tmp_path, "add", ".")

    snapshot = collect(tmp_path)

    assert snapshot.files == ("main.go",)
    assert "symbolic link leads outside" in messages(snapshot)["package.json"]


def test_a_huge_file_is_never_read_and_is_recorded(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    write(tmp_path, "src/service.py", "print('small')\n")
    git(tmp_path, "add", ".")
    os.truncate(tmp_path / "src/service.py", ONE_GIB)  # sparse: costs no disk

    started = time.perf_counter()
    snapshot = collect(tmp_path)
    facts = observe_all(snapshot)
    elapsed = time.perf_counter() - started

    assert elapsed < 2.0
    assert "too large to read" in messages(snapshot)["src/service.py"]
    # The endpoint may be in the file nobody could read: unknown, not false.
    assert facts["health.endpoint"].is_unknown
    assert "src/service.py" in facts["health.endpoint"].reason


def test_a_huge_manifest_makes_dependency_facts_unknown(tmp_path: Path) -> None:
    write(tmp_path, "package.json", "{}")
    os.truncate(tmp_path / "package.json", ONE_GIB)

    facts = observe_all(collect(tmp_path))

    assert facts["resilience.library"].is_unknown
    assert "package.json" in facts["resilience.library"].reason


def test_a_fifo_in_place_of_a_manifest_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "package.json")

    snapshot = collect(tmp_path)
    facts = observe_all(snapshot)

    assert "not a regular file" in messages(snapshot)["package.json"]
    assert facts["logging.structured"].is_unknown


def test_a_directory_in_place_of_a_tracked_file_is_recorded(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    write(tmp_path, "requirements.txt", "tenacity\n")
    git(tmp_path, "add", ".")
    (tmp_path / "requirements.txt").unlink()
    (tmp_path / "requirements.txt").mkdir()

    snapshot = collect(tmp_path)
    facts = observe_all(snapshot)

    assert "requirements.txt" in messages(snapshot)
    assert facts["resilience.library"].is_unknown


def test_invalid_utf8_and_binary_content_are_problems_not_crashes(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", b"structlog\n\xc3\x28broken\n")
    write(tmp_path, ".github/workflows/ci.yml", b"name: ci\n\x00\x01\x02binary")

    snapshot = collect(tmp_path)
    facts = observe_all(snapshot)

    assert messages(snapshot)["requirements.txt"] == "requirements.txt:2: not valid UTF-8 text"
    assert "binary content" in messages(snapshot)[".github/workflows/ci.yml"]
    assert facts["logging.structured"].is_unknown
    assert facts["ci.github_actions"].is_unknown


def test_utf16_manifests_with_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    project = (
        '<Project Sdk="Microsoft.NET.Sdk"><ItemGroup>'
        '<PackageReference Include="Polly" Version="8.4.0" /></ItemGroup></Project>'
    )
    write(tmp_path, "src/Api.csproj", project.encode("utf-16"))

    facts = observe_all(collect(tmp_path))

    assert facts["resilience.library"].value is True


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\nsteps:\n  - script: echo *a8\n"


@pytest.mark.parametrize("path", ["azure-pipelines.yml", ".github/workflows/bomb.yml"])
def test_a_yaml_bomb_is_refused_quickly_and_recorded(tmp_path: Path, path: str) -> None:
    write(tmp_path, path, billion_laughs())

    started = time.perf_counter()
    snapshot = collect(tmp_path)
    facts = observe_all(snapshot)
    elapsed = time.perf_counter() - started

    assert elapsed < 1.0
    assert "YAML bomb" in messages(snapshot)[path]
    key = "ci.azure_pipelines" if path.startswith("azure") else "ci.github_actions"
    assert facts[key].is_unknown
    assert path in facts[key].reason


def test_a_malformed_workflow_makes_ci_facts_unknown_with_path_and_line(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/ci.yml", "jobs:\n  test:\n    steps: [\n")

    facts = observe_all(collect(tmp_path))

    assert facts["ci.github_actions"].is_unknown
    assert ".github/workflows/ci.yml:4: malformed YAML" in facts["ci.github_actions"].reason
    assert facts["ci.runs_tests"].is_unknown
    assert facts["ci.azure_pipelines"].value is False  # the Azure answer does not depend on it


def test_a_malformed_yaml_file_elsewhere_does_not_hide_anything(tmp_path: Path) -> None:
    write(tmp_path, "config/settings.yaml", "key: [unclosed\n")

    facts = observe_all(collect(tmp_path))

    assert facts["ci.azure_pipelines"].value is False
    assert facts["alerts.as_code"].value is False


# --- shared reads ---------------------------------------------------------------------------------


def test_grep_skips_comment_lines_and_reports_the_first_code_line(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "# retry with tenacity\nimport os\n")
    write(tmp_path, "b.py", "x = 1\n\nimport tenacity  # here\n")

    found = collect(tmp_path).grep(r"\btenacity\b", suffixes=(".py",))

    assert found is not None
    assert (found.path, found.line, found.text) == ("b.py", 3, "import tenacity  # here")


def test_reads_beyond_the_cache_budget_still_return_text(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "a" * 100)
    write(tmp_path, "b.txt", "b" * 100)
    snapshot = RepoSnapshot(str(tmp_path), cache_budget_bytes=150)

    assert snapshot.read_text("a.txt") == "a" * 100
    assert snapshot.read_text("b.txt") == "b" * 100
    assert snapshot.read_text("b.txt") == "b" * 100
    assert snapshot.problems == []


def test_only_listed_files_are_read(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "secret.txt\n")
    write(tmp_path, "secret.txt", "x")

    assert collect(tmp_path).read_text("secret.txt") is None
