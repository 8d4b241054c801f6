"""Turning what a probe found into observations: true with locators, false, or unknown.

A fact is only ever reported false when every file that could have made it true was read. If a
relevant file could not be read or parsed, the fact is unknown and the reason names the file and
line — a malformed workflow must not read as "no CI".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from scanner.models import Locator, Observation
from scanner.repository import Dependency, Job, Match, Problem, RepoSnapshot, Step

MAX_LOCATORS = 5  # enough to show where; evidence is stored, so it stays small


def locator(item: Any) -> Locator:
    """A locator for a path, a grep match, a dependency, a pipeline step or job."""
    if isinstance(item, Locator):
        return item
    if isinstance(item, str):
        return Locator(path=item)
    if isinstance(item, Match | Step | Job):
        return Locator(path=item.path, line=item.line)
    if isinstance(item, Dependency):
        return Locator(path=item.path, line=item.line)
    raise TypeError(f"no locator for {item!r}")


def locators(items: Iterable[Any]) -> tuple[Locator, ...]:
    unique: dict[Locator, None] = {}
    for item in items:
        unique.setdefault(locator(item), None)
        if len(unique) == MAX_LOCATORS:
            break
    return tuple(unique)


def unknown_reason(problems: Sequence[Problem]) -> str:
    shown = "; ".join(str(p) for p in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return f"could not read {shown}{more}"


def boolean(key: str, evidence: Iterable[Any], problems: Sequence[Problem] = ()) -> Observation:
    """True with locators if there is evidence; otherwise unknown if ``problems``, else false."""
    found = locators(evidence)
    if found:
        return Observation(key, True, found)
    if problems:
        return Observation.unknown(key, unknown_reason(problems))
    return Observation(key, False)


def first(*searches: Callable[[], Iterable[Any]]) -> list[Any]:
    """The evidence of the first search that finds any. Searches run in order and only until
    one succeeds, so cheap ones (manifests) spare expensive ones (reading code)."""
    for search in searches:
        found = [item for item in search() if item]
        if found:
            return found
    return []


# --- pipeline steps ------------------------------------------------------------------------------

_COMMENT_LINE = re.compile(r"^\s*(#|REM\b|::)", re.IGNORECASE)
# Installing a tool is not running it: "pip install pytest" runs no tests.
_INSTALL_LINE = re.compile(
    r"^\s*(sudo\s+)?(python3?\s+-m\s+)?(pip3?|pipx|npm|yarn|pnpm|uv(\s+pip)?|poetry|apt(-get)?"
    r"|brew|choco|dotnet\s+tool|go)\s+(install|add|i|get)\b",
    re.IGNORECASE,
)


def script(step: Step) -> str:
    """A step's commands: its script without comment lines (a commented-out command does not
    run) and without lines that only install a tool."""
    if not step.run:
        return ""
    return "\n".join(
        line
        for line in step.run.splitlines()
        if not _COMMENT_LINE.match(line) and not _INSTALL_LINE.match(line)
    )


def steps(snapshot: RepoSnapshot) -> Iterable[tuple[Job, Step]]:
    for pipeline in snapshot.pipelines:
        yield from pipeline.steps()


def matching_steps(
    snapshot: RepoSnapshot,
    run: re.Pattern[str] | None = None,
    uses: re.Pattern[str] | None = None,
    task: Any = None,
) -> list[Step]:
    """Steps whose script matches ``run``, whose action/task name matches ``uses`` (searched,
    case-insensitively by the caller's pattern), or for which ``task(step)`` is true."""
    found = []
    for _, step in steps(snapshot):
        if (
            (run is not None and step.run and run.search(script(step)))
            or (uses is not None and step.uses and uses.search(step.task_name))
            or (task is not None and step.uses and task(step))
        ):
            found.append(step)
    return found


def task_input(step: Step, *names: str, default: str = "") -> str:
    """A task input by any of its names, case-insensitively (Azure accepts aliases)."""
    lowered = {k.lower(): v for k, v in step.inputs.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return default


# --- libraries -----------------------------------------------------------------------------------


def dependencies_matching(
    snapshot: RepoSnapshot, patterns: dict[str, tuple[str, ...]]
) -> list[Dependency]:
    """Direct dependencies whose name fully matches one of the regular expressions given for
    their ecosystem (case-insensitive)."""
    found: list[Dependency] = []
    for ecosystem, expressions in patterns.items():
        found += snapshot.has_dependency(ecosystem, *expressions)
    return sorted(found, key=lambda d: (d.path, d.line or 0))
