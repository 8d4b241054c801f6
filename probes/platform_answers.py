"""Helpers for the ``platform`` probes: ask the snapshot, and turn a refusal into unknown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from scanner.models import Locator, Observation
from scanner.remote.http import RemoteError

T = TypeVar("T")


def ask(question: Callable[[], T]) -> tuple[T | None, str]:
    """(answer, "") or (None, the reason it could not be answered)."""
    try:
        return question(), ""
    except RemoteError as exc:
        return None, exc.reason


def fact(key: str, value: Any, url: str, reason: str = "") -> Observation:
    """A platform fact with its URL as locator; a None value is unknown with ``reason``."""
    if value is None:
        return Observation.unknown(key, reason or "the platform did not say")
    return Observation(key, value, (Locator(url=url),) if url else ())


def unknown_all(keys: tuple[str, ...], reason: str) -> list[Observation]:
    return [Observation.unknown(key, reason) for key in keys]
