"""Which files a repository holds: git's view of a checkout, or a .gitignore-aware walk.

The listing never follows a symbolic link out of the tree and leaves out vendored and generated
content, so every probe sees the same, human-written file set.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

import pathspec

from scanner.repository.problems import Problem

# Folders whose content is fetched, vendored or generated rather than written by the team,
# and test-data folders: a fixture's Dockerfile or alert rule says nothing about the service.
SKIPPED_DIRS = frozenset(
    {
        "fixtures",
        "__fixtures__",
        "testdata",
        "test-data",
        "test_data",
        "__snapshots__",
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "bower_components",
        "jspm_packages",
        "vendor",
        "third_party",
        "thirdparty",
        "bin",
        "obj",
        "target",
        "dist",
        "build",
        "out",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "packages",
        ".gradle",
        ".idea",
        ".vs",
        ".terraform",
        ".next",
        ".nuxt",
        "coverage",
        "site-packages",
        ".eggs",
        "TestResults",
    }
)
# Endings of file names that tools generate (compared in lower case).
GENERATED_SUFFIXES = (
    ".min.js",
    ".min.css",
    ".min.mjs",
    ".js.map",
    ".css.map",
    ".g.cs",
    ".g.i.cs",
    ".designer.cs",
    ".generated.cs",
    ".assemblyinfo.cs",
    "_pb2.py",
    "_pb2_grpc.py",
    ".pb.go",
    "_gen.go",
    ".gen.go",
    ".bundle.js",
    ".chunk.js",
)
GIT_TIMEOUT_SECONDS = 60


@dataclass
class Listing:
    """The files of a repository, repo-relative POSIX paths, sorted; and what was left out."""

    files: list[str]
    problems: list[Problem] = field(default_factory=list)
    source: str = "walk"  # "git" or "walk"


def is_skipped_dir(name: str) -> bool:
    return name in SKIPPED_DIRS or name.endswith(".egg-info")


def is_generated_file(name: str) -> bool:
    return name.lower().endswith(GENERATED_SUFFIXES)


class _Filter:
    """Decides which listed paths to keep; each folder is judged once, however many files."""

    def __init__(self) -> None:
        self._skipped: dict[str, bool] = {"": False}

    def _folder_skipped(self, folder: str) -> bool:
        skipped = self._skipped.get(folder)
        if skipped is None:
            parent, _, name = folder.rpartition("/")
            skipped = is_skipped_dir(name) or self._folder_skipped(parent)
            self._skipped[folder] = skipped
        return skipped

    def kept(self, relpath: str) -> bool:
        folder, _, name = relpath.rpartition("/")
        return not self._folder_skipped(folder) and not is_generated_file(name)


def list_files(root: str) -> Listing:
    """List the files of the directory ``root`` (an absolute, existing directory)."""
    if os.path.isdir(os.path.join(root, ".git")) or os.path.isfile(os.path.join(root, ".git")):
        listing = _list_git(root)
        if listing is not None:
            return listing
    return _walk(root)


def _inside(root_real: str, path: str) -> bool:
    real = os.path.realpath(path)
    return real == root_real or real.startswith(root_real + os.sep)


def _git(root: str, *args: str) -> subprocess.Popen[bytes] | None:
    # core.fsmonitor is disabled because a hostile checkout could set it to run a command.
    command = [
        "git",
        "-c",
        "core.fsmonitor=false",
        "-c",
        f"safe.directory={root}",
        "-C",
        root,
        "ls-files",
        "-z",
        *args,
    ]
    try:
        return subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_git_environment(),
        )
    except OSError:
        return None


def _git_environment() -> dict[str, str]:
    # GIT_DIR, GIT_INDEX_FILE … inherited from a hook or a CI job would point git elsewhere.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return {**env, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}


def _paths(process: subprocess.Popen[bytes] | None) -> list[str] | None:
    if process is None:
        return None
    try:
        output, _ = process.communicate(timeout=GIT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None
    if process.returncode != 0:
        return None
    return [p for p in output.decode("utf-8", "surrogateescape").split("\0") if p]


def _list_git(root: str) -> Listing | None:
    # Looking for untracked files walks the whole tree; it runs while the index is read.
    others_process = _git(root, "--others", "--exclude-standard")
    staged = _paths(_git(root, "--stage"))
    if staged is None:
        if others_process is not None:
            others_process.kill()
            others_process.communicate()
        return None  # not a usable checkout (no git, corrupt index): fall back to walking
    root_real = os.path.realpath(root)
    problems: list[Problem] = []
    files: set[str] = set()
    keep = _Filter()
    for entry in staged:
        meta, _, path = entry.partition("\t")
        mode = meta.split(" ", 1)[0]
        if mode == "160000" or not keep.kept(path):  # a submodule is another repository
            continue
        if mode == "120000" and not _inside(root_real, os.path.join(root, path)):
            problems.append(Problem(path, None, "symbolic link leads outside the repository"))
            continue
        files.add(path)
    others = _paths(others_process)
    if others is None:
        return None
    for path in others:
        if not keep.kept(path):
            continue
        full = os.path.join(root, path)
        if os.path.islink(full) and not _inside(root_real, full):
            problems.append(Problem(path, None, "symbolic link leads outside the repository"))
            continue
        files.add(path)
    return Listing(sorted(files), problems, "git")


class _IgnoreFile:
    """One .gitignore. pathspec answers with git's exact semantics (last match wins,
    negation); a single combined expression first rules out the many paths no pattern
    touches, because asking pathspec pattern by pattern for every file is the slow part of a
    large walk."""

    def __init__(self, base: str, spec: pathspec.GitIgnoreSpec) -> None:
        self.base = base
        self.spec = spec
        alternatives = [
            re.sub(r"\(\?P<\w+>", "(?:", p.regex.pattern)
            for p in spec.patterns
            if p.include is not None and isinstance(p.regex, re.Pattern)
        ]
        self.any_pattern = re.compile("|".join(alternatives)) if alternatives else None

    def verdict(self, rel: str, is_dir: bool) -> bool | None:
        """True if ignored, False if re-included by a negation, None if no pattern matches."""
        if self.any_pattern is None:
            return None
        sub = rel[len(self.base) + 1 :] if self.base else rel
        if is_dir:
            sub += "/"
        if not self.any_pattern.search(sub):
            return None
        return self.spec.check_file(sub).include


def _read_ignore(path: str, problems: list[Problem], rel: str, base: str) -> _IgnoreFile | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read(1 << 20).splitlines()
        return _IgnoreFile(base, pathspec.GitIgnoreSpec.from_lines(lines))
    except (OSError, ValueError, re.error) as error:
        problems.append(Problem(rel, None, f"cannot read ignore file: {error}"))
        return None


def _walk(root: str) -> Listing:
    """Walk ``root`` honouring every .gitignore on the way down, as git itself would."""
    root_real = os.path.realpath(root)
    problems: list[Problem] = []
    files: list[str] = []
    # Each entry: (directory relative to root, the ignore files that apply inside it)
    stack: list[tuple[str, tuple[_IgnoreFile, ...]]] = [("", ())]
    while stack:
        rel_dir, ignores = stack.pop()
        abs_dir = os.path.join(root, rel_dir) if rel_dir else root
        try:
            with os.scandir(abs_dir) as listing:
                entries = list(listing)
        except OSError as error:
            problems.append(Problem(rel_dir or ".", None, f"cannot list directory: {error}"))
            continue
        if any(e.name == ".gitignore" for e in entries):
            rel = _join(rel_dir, ".gitignore")
            found = _read_ignore(os.path.join(abs_dir, ".gitignore"), problems, rel, rel_dir)
            if found is not None:
                ignores = (*ignores, found)
        for entry in entries:
            rel = _join(rel_dir, entry.name)
            try:
                is_link = entry.is_symlink()
                is_dir = not is_link and entry.is_dir(follow_symlinks=False)
            except OSError as error:
                problems.append(Problem(rel, None, f"cannot inspect: {error}"))
                continue
            if is_dir:
                if not is_skipped_dir(entry.name) and not _ignored(ignores, rel, True):
                    stack.append((rel, ignores))
                continue
            if is_generated_file(entry.name) or _ignored(ignores, rel, False):
                continue
            if is_link:
                if not _inside(root_real, entry.path):
                    problems.append(
                        Problem(rel, None, "symbolic link leads outside the repository")
                    )
                    continue
                if os.path.isdir(entry.path):
                    continue  # an in-tree directory link would list files twice, or loop
            files.append(rel)
    files.sort()
    return Listing(files, problems, "walk")


def _join(rel_dir: str, name: str) -> str:
    return f"{rel_dir}/{name}" if rel_dir else name


def _ignored(ignores: tuple[_IgnoreFile, ...], rel: str, is_dir: bool) -> bool:
    # The deepest .gitignore with an opinion wins, as in git.
    for ignore in reversed(ignores):
        verdict = ignore.verdict(rel, is_dir)
        if verdict is not None:
            return verdict
    return False


def suffix_of(path: str) -> str:
    """The last suffix of a path, lower case, as pathlib defines it ("" for ".gitignore")."""
    name = path.rpartition("/")[2]
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""
