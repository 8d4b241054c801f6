"""Collectors: the expensive reads of a target, done once and shared by every probe.

Collecting is split from interpreting. A collector turns a target (a checkout, a remote
repository, an Azure scope) into a snapshot; probes only read the snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scanner.models import Target


class CollectError(Exception):
    """The target cannot be read at all (missing path, no permission). Its facts become unknown."""


class Deferred(Exception):  # noqa: N818 — a verdict, not a failure
    """The source asks to come back later (quota spent, Retry-After too far away).

    The service is not recorded in this scan; the nightly scan reports it as *deferred* and
    leaves the scan open, so ``scan --all --resume`` (or re-running the shard) reads it later.
    """


@dataclass(frozen=True)
class Collector:
    """Reads one kind of target.

    ``fingerprint``, when given, is a cheap call (a conditional request, a commit SHA) that
    names the version of what ``collect`` would read. When it equals the version recorded by
    the last scan of the same target, and the same probes are installed, the engine reuses
    that scan's evidence instead of collecting again. ``None`` from it means "cannot tell".
    """

    kind: str
    collect: Callable[[Target], Any]
    description: str = ""
    fingerprint: Callable[[Target], str | None] | None = None
