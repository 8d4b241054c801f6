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


@dataclass(frozen=True)
class Collector:
    kind: str
    collect: Callable[[Target], Any]
    description: str = ""
