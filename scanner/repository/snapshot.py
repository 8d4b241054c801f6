"""RepoSnapshot: everything probes read from one repository, each read done at most once.

The file list comes first and is cheap; parsed views (dependencies, pipelines) and file text are
computed on first use and cached, so a probe that needs nothing but file names costs nothing
more. Reads are bounded: a file larger than ``max_file_bytes`` is never opened, and the text
cache stops growing at ``cache_budget_bytes``. What cannot be read becomes a :class:`Problem`.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from scanner import safeyaml
from scanner.repository import pipelines as pipeline_parsing
from scanner.repository import xmlread
from scanner.repository.files import Listing, list_files, suffix_of
from scanner.repository.manifests import (
    Dependency,
    ManifestError,
    Parser,
    manifests,
    toml_error_line,
)
from scanner.repository.pipelines import Pipeline
from scanner.repository.problems import Problem
from scanner.repository.textfiles import (
    COMMENT_PREFIXES,
    ReadError,
    decode_text,
    first_code_match,
    read_regular_file,
)

MAX_FILE_BYTES = 1 << 20
CACHE_BUDGET_BYTES = 64 << 20


@dataclass(frozen=True)
class Match:
    """Where ``grep`` found its pattern: a repo-relative path and a 1-based line."""

    path: str
    line: int
    text: str


class RepoSnapshot:
    """A read-only view of one repository, shared by every probe of a scan.

    ``files`` holds repo-relative POSIX paths, sorted. ``problems`` grows as reads fail; it is
    recorded once per file, however many probes ask.
    """

    def __init__(
        self,
        root: str,
        listing: Listing | None = None,
        *,
        max_file_bytes: int = MAX_FILE_BYTES,
        cache_budget_bytes: int = CACHE_BUDGET_BYTES,
    ) -> None:
        self.root = os.path.abspath(root)
        self._root_real = os.path.realpath(self.root)
        listing = listing if listing is not None else list_files(self.root)
        self.files: tuple[str, ...] = tuple(listing.files)
        self.listing_source = listing.source
        self.problems: list[Problem] = list(listing.problems)
        self.max_file_bytes = max_file_bytes
        self._cache_budget = cache_budget_bytes
        self._cached_bytes = 0
        self._text: dict[str, str | None] = {}
        self._yaml: dict[str, list[Any] | None] = {}
        self._failed: set[str] = {p.path for p in self.problems}
        self._dir_ok: dict[str, bool] = {}
        self._unreadable: set[str] = set()

    def __repr__(self) -> str:
        return f"RepoSnapshot({self.root!r}, {len(self.files)} files)"

    # --- the file list ---------------------------------------------------------------------

    @cached_property
    def file_set(self) -> frozenset[str]:
        return frozenset(self.files)

    @cached_property
    def _by_basename(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = defaultdict(list)
        for path in self.files:
            index[path.rpartition("/")[2]].append(path)
        return index

    @cached_property
    def _by_name(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = defaultdict(list)
        for name, paths in self._by_basename.items():
            index[name.lower()] += paths
        return index

    @cached_property
    def _by_suffix(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = defaultdict(list)
        for path in self.files:
            index[suffix_of(path)].append(path)
        return index

    def exists(self, path: str) -> bool:
        return path in self.file_set

    def named(self, *names: str) -> list[str]:
        """Files anywhere whose base name is one of ``names`` (case-insensitive), sorted."""
        found: list[str] = []
        for name in names:
            found += self._by_name.get(name.lower(), ())
        return sorted(found)

    def files_named(self, pattern: str | re.Pattern[str], ignore_case: bool = False) -> list[str]:
        """Files whose base name fully matches the regular expression, sorted.

        Matching base names (each distinct name once) is much cheaper than searching every
        full path, which is what a 50,000-file repository needs.
        """
        if isinstance(pattern, str):
            pattern = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
        found: list[str] = []
        for name, paths in self._by_basename.items():
            if pattern.fullmatch(name):
                found += paths
        return sorted(found)

    def with_suffix(self, *suffixes: str) -> list[str]:
        """Files whose last suffix is one of ``suffixes`` (``.cs``, ``.py``; lower case)."""
        found: list[str] = []
        for suffix in suffixes:
            found += self._by_suffix.get(suffix, ())
        return sorted(found) if len(suffixes) > 1 else found  # always a new list

    # --- bounded reads ---------------------------------------------------------------------

    def problem(self, path: str, line: int | None, message: str) -> None:
        """Record that ``path`` could not be read or understood (once per path)."""
        if path not in self._failed:
            self._failed.add(path)
            self.problems.append(Problem(path, line, message))

    def problems_in(self, paths: Iterable[str]) -> list[Problem]:
        wanted = set(paths)
        return [p for p in self.problems if p.path in wanted]

    def unreadable_in(self, paths: Iterable[str]) -> list[Problem]:
        """Problems of files among ``paths`` whose text could not be read at all (as opposed
        to read but not understood): what a text search could not see."""
        wanted = set(paths) & self._unreadable
        return [p for p in self.problems if p.path in wanted]

    def _directory_inside(self, directory: str) -> bool:
        """Whether a listed file's folder really lies inside the repository.

        A walk never descends a link, but git lists what its index holds, and a tracked
        folder may since have been replaced by a link. One lstat per folder, cached, is
        enough to notice; only a folder that is a link needs resolving.
        """
        ok = self._dir_ok.get(directory)
        if ok is None:
            parent = directory.rpartition("/")[0]
            full = os.path.join(self.root, directory)
            if parent and not self._directory_inside(parent):
                ok = False
            elif os.path.islink(full):
                real = os.path.realpath(full)
                ok = real == self._root_real or real.startswith(self._root_real + os.sep)
            else:
                ok = True
            self._dir_ok[directory] = ok
        return ok

    def read_bytes(self, path: str) -> bytes | None:
        """The content of a listed file, or None (and a recorded problem) if it cannot be read.

        Never follows a link out of the repository, never opens a FIFO or device, and never
        reads a file larger than ``max_file_bytes``.
        """
        if path not in self.file_set:
            return None
        if path in self._failed:
            return None
        directory = path.rpartition("/")[0]
        if directory and not self._directory_inside(directory):
            self.problem(path, None, "lies under a link that leads outside the repository")
            return None
        try:
            return read_regular_file(
                os.path.join(self.root, path), self._root_real, self.max_file_bytes
            )
        except ReadError as error:
            self.problem(path, error.line, error.message)
            return None

    def read_text(self, path: str) -> str | None:
        """The text of a listed file (UTF-8, or UTF-16 with a byte-order mark), or None.

        Binary content and undecodable text are recorded as problems.
        """
        if path in self._text:
            return self._text[path]
        text = self._decode(path, self.read_bytes(path))
        if text is None:
            self._unreadable.add(path)
        if text is None or self._cached_bytes + len(text) <= self._cache_budget:
            self._text[path] = text
            self._cached_bytes += len(text or "")
        return text

    def _decode(self, path: str, data: bytes | None) -> str | None:
        if data is None:
            return None
        try:
            return decode_text(data)
        except ReadError as error:
            self.problem(path, error.line, error.message)
            return None

    # --- parsed reads ----------------------------------------------------------------------

    def read_yaml(self, path: str) -> list[Any] | None:
        """All documents of a YAML file, mappings remembering lines; None if unreadable."""
        if path in self._yaml:
            return self._yaml[path]
        text = self.read_text(path)
        documents = None
        if text is not None:
            try:
                documents = safeyaml.load_all(text)
            except safeyaml.YamlError as error:
                self.problem(path, error.line, str(error))
        self._yaml[path] = documents
        return documents

    def read_json(self, path: str) -> Any:
        """A JSON document, or None if it cannot be read or parsed (a recorded problem)."""
        text = self.read_text(path)
        if text is None:
            return None
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            line = getattr(error, "lineno", None)
            self.problem(path, line, f"malformed JSON: {getattr(error, 'msg', error)}")
            return None

    def read_toml(self, path: str) -> dict[str, Any] | None:
        text = self.read_text(path)
        if text is None:
            return None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            self.problem(path, toml_error_line(error, text), f"malformed TOML: {error}")
            return None

    def read_xml(self, path: str) -> xmlread.XmlNode | None:
        data = self.read_bytes(path)
        if data is None:
            return None
        try:
            return xmlread.parse(data)
        except xmlread.XmlError as error:
            self.problem(path, error.line, str(error))
            return None

    # --- shared views ----------------------------------------------------------------------

    @cached_property
    def _manifests(self) -> list[tuple[str, Parser]]:
        return manifests(self.files)

    @cached_property
    def manifest_paths(self) -> tuple[str, ...]:
        """Every direct-dependency manifest in the repository (never a lock file)."""
        return tuple(path for path, _ in self._manifests)

    @cached_property
    def dependencies(self) -> tuple[Dependency, ...]:
        """Direct dependencies from every manifest; unparsable manifests become problems."""
        found: list[Dependency] = []
        for path, parser in self._manifests:
            text = self.read_text(path)
            if text is None:
                continue
            try:
                found += parser(path, text)
            except ManifestError as error:
                self.problem(path, error.line, str(error))
        return tuple(found)

    @cached_property
    def pipeline_candidates(self) -> tuple[str, ...]:
        """Files that were read as possible pipelines (a probe's 'where we looked')."""
        return tuple(
            p
            for p in self.files
            if pipeline_parsing.is_github_workflow(p) or pipeline_parsing.may_be_azure_pipeline(p)
        )

    @cached_property
    def _pipelines(self) -> tuple[tuple[Pipeline, ...], tuple[str, ...]]:
        found: list[Pipeline] = []
        looked: list[str] = []  # files that are, or plausibly meant to be, pipelines
        for path in self.pipeline_candidates:
            if pipeline_parsing.is_github_workflow(path):
                looked.append(path)
                documents = self.read_yaml(path)
                parsed = pipeline_parsing.parse_github(path, documents[0]) if documents else None
                if documents is not None and parsed is None:
                    self.problem(path, None, "not a GitHub Actions workflow (no jobs mapping)")
            else:
                text = self.read_text(path)
                if text is None:
                    if pipeline_parsing.is_azure_pipeline_name(path):
                        looked.append(path)
                    continue
                if not pipeline_parsing.has_azure_top_level(text):
                    continue
                looked.append(path)
                documents = self.read_yaml(path)
                parsed = pipeline_parsing.parse_azure(path, documents[0]) if documents else None
            if parsed is not None:
                found.append(parsed)
        return tuple(found), tuple(looked)

    @property
    def pipelines(self) -> tuple[Pipeline, ...]:
        """GitHub Actions workflows and Azure Pipelines files, parsed into jobs and steps."""
        return self._pipelines[0]

    def pipeline_problems(self, system: str | None = None) -> list[Problem]:
        """Problems with files that are, or look meant to be, pipelines of ``system``
        (``github``, ``azure``, or None for both): a malformed one hides what it would show."""
        looked = self._pipelines[1]
        wanted = [
            p
            for p in looked
            if system is None
            or (system == pipeline_parsing.GITHUB) == pipeline_parsing.is_github_workflow(p)
        ]
        return self.problems_in(wanted)

    def dependency_problems(self) -> list[Problem]:
        self.dependencies  # noqa: B018 - parsing is what records the problems
        return self.problems_in(self.manifest_paths)

    def has_dependency(self, ecosystem: str, *patterns: str) -> list[Dependency]:
        """Dependencies of ``ecosystem`` whose name matches one of the regular expressions
        (matched in full, case-insensitively)."""
        regexes = [re.compile(p, re.IGNORECASE) for p in patterns]
        return [
            d
            for d in self.dependencies
            if d.ecosystem == ecosystem and any(r.fullmatch(d.name) for r in regexes)
        ]

    # --- searching code --------------------------------------------------------------------

    def grep(
        self,
        pattern: str | re.Pattern[str],
        suffixes: Iterable[str] = (),
        paths: Iterable[str] | None = None,
    ) -> Match | None:
        """The first line of code matching ``pattern`` in files with one of ``suffixes`` (or in
        ``paths``), skipping lines that are comments. Stops at the first match."""
        regex = re.compile(pattern, re.MULTILINE) if isinstance(pattern, str) else pattern
        candidates = list(paths) if paths is not None else self.with_suffix(*suffixes)
        for path in candidates:
            found = self.grep_file(regex, path)
            if found:
                return found
        return None

    def grep_file(self, regex: re.Pattern[str], path: str) -> Match | None:
        text = self.read_text(path)
        if text is None:
            return None
        found = first_code_match(text, regex, COMMENT_PREFIXES.get(suffix_of(path), ()))
        return Match(path, found[0], found[1]) if found else None

    def grep_all(self, pattern: str | re.Pattern[str], paths: Iterable[str]) -> Iterator[Match]:
        """Like :meth:`grep` but yields the first match of every file that has one."""
        regex = re.compile(pattern, re.MULTILINE) if isinstance(pattern, str) else pattern
        for path in paths:
            found = self.grep_file(regex, path)
            if found:
                yield found
