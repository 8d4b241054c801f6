"""Honest accounting of API calls: collectors report each request, the nightly scan adds them up.

A remote collector calls :func:`count_call` once per HTTP request it makes — ``free=True`` when
the answer cost no quota (a ``304 Not Modified`` to a conditional request). The engine opens a
:func:`metering` block around each service, on the thread that collects it, and records the
totals with the service's result (``service_scan.api_calls``), so a resumed or sharded run
still adds up exactly. Calls made on other threads are not seen: count on the calling thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Usage = dict[str, tuple[int, int]]  # source → (calls, of which free)

_current: ContextVar[dict[str, list[int]] | None] = ContextVar("fundamentals_meter", default=None)


def count_call(source: str, *, free: bool = False, calls: int = 1) -> None:
    """Record ``calls`` API request(s) to ``source`` (e.g. ``"github"``); no-op outside a scan."""
    usage = _current.get()
    if usage is None:
        return
    entry = usage.setdefault(source, [0, 0])
    entry[0] += calls
    if free:
        entry[1] += calls


@contextmanager
def metering() -> Iterator[Usage]:
    """Count the calls made inside the block; the yielded mapping is filled when it exits."""
    usage: dict[str, list[int]] = {}
    token = _current.set(usage)
    result: Usage = {}
    try:
        yield result
    finally:
        _current.reset(token)
        result.update({k: (v[0], v[1]) for k, v in usage.items()})


def add(total: dict[str, list[int]], usage: Usage) -> None:
    for source, (calls, free) in usage.items():
        entry = total.setdefault(source, [0, 0])
        entry[0] += calls
        entry[1] += free
