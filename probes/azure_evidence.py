"""Helpers the Azure probes share: reading resource JSON and turning per-resource checks into facts.

A fact over "every X of the service" is false as soon as one resource is known to fail (the
evidence lists the offenders), unknown if none fails but one could not be read, and true
otherwise (the evidence lists the qualifying resources; vacuously true when there are none).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.models import Locator, Observation

MAX_LOCATORS = 100

# (resource id, passes: True / False / None for unknown, reason when unknown)
Check = tuple[str, bool | None, str | None]


def prop(row: dict[str, Any] | None, *path: str) -> Any:
    """A nested value, matching keys case-insensitively (Azure's JSON casing varies by type)."""
    node: Any = row
    for key in path:
        if not isinstance(node, dict):
            return None
        if key in node:
            node = node[key]
            continue
        lowered = key.lower()
        node = next((v for k, v in node.items() if str(k).lower() == lowered), None)
    return node


def kind(row: dict[str, Any]) -> str:
    return str(row.get("type", "")).lower()


def locators(ids: Iterable[str]) -> tuple[Locator, ...]:
    unique = list(dict.fromkeys(ids))
    return tuple(Locator(resource_id=i) for i in unique[:MAX_LOCATORS])


def every(key: str, checks: Iterable[Check]) -> Observation:
    checks = list(checks)
    offending = [rid for rid, ok, _ in checks if ok is False]
    if offending:
        return Observation(key, False, locators(offending))
    unknown = [(rid, why) for rid, ok, why in checks if ok is None]
    if unknown:
        rid, why = unknown[0]
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        return Observation.unknown(key, (why or f"could not read {rid}") + more)
    return Observation(key, True, locators(rid for rid, _, _ in checks))


def receivers(group: dict[str, Any] | None) -> bool:
    """An enabled action group with at least one receiver of any kind."""
    props = prop(group, "properties") or {}
    if props.get("enabled") is False:
        return False
    return any(
        isinstance(v, list) and v for k, v in props.items() if str(k).lower().endswith("receivers")
    )
