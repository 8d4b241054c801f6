"""What a probe is: a declared list of facts plus a function that observes them on a snapshot.

A probe never scores. It reports each fact it declares, or reports it unknown with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from scanner.models import FactSpec, Observation


@dataclass(frozen=True)
class Probe:
    """A probe plugin. ``observe`` receives the snapshot its target kind's collector built."""

    id: str
    version: str
    target_kind: str
    facts: tuple[FactSpec, ...]
    observe: Callable[[Any], Iterable[Observation]]
    description: str = ""

    @property
    def fact_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.facts)
