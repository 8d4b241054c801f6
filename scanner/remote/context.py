"""Settings and per-scan state shared by the remote collectors (GitHub, Azure DevOps).

Collectors are registered once per process and receive only a ``Target``; what they need
beyond it — where the platforms are, which credentials to read, the HTTP validator cache, the
per-scan call accounting — lives in the *active* :class:`RemoteContext`. ``engine.scan`` opens
one per scan with :func:`scan_context`; outside a scan a context with an in-memory cache and
default settings is used.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scanner.remote.http import HttpCache, MemoryCache, Policy, SourceState, Usage

GITHUB_API = "https://api.github.com"
AZURE_DEVOPS = "https://dev.azure.com"


@dataclass(frozen=True)
class GitHubSettings:
    """``[github]`` in the config. A GitHub App is used when ``app_id`` is set."""

    base_url: str = GITHUB_API
    token_env: str = "GITHUB_TOKEN"
    app_id: str | None = None
    private_key_file: str | None = None
    installation_id: int | None = None


@dataclass(frozen=True)
class AzureDevOpsSettings:
    """``[azure_devops]`` in the config: a PAT from ``pat_env``, else azure-identity."""

    base_url: str = AZURE_DEVOPS
    pat_env: str = "AZURE_DEVOPS_PAT"
    use_azure_identity: bool = True


@dataclass(frozen=True)
class RemoteSettings:
    github: GitHubSettings = field(default_factory=GitHubSettings)
    azure_devops: AzureDevOpsSettings = field(default_factory=AzureDevOpsSettings)
    policy: Policy = field(default_factory=Policy)
    # "Now" for the DORA and CI windows; injectable so tests are stable.
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


class RemoteContext:
    """Settings + HTTP cache + accounting + quota state + clients, for one scan."""

    def __init__(self, settings: RemoteSettings, cache: HttpCache | None = None) -> None:
        self.settings = settings
        self.cache: HttpCache = cache if cache is not None else MemoryCache()
        self.usage = Usage()
        self._lock = threading.RLock()  # building a client asks for its source state
        self._sources: dict[str, SourceState] = {}
        self._clients: dict[str, Any] = {}

    def source(self, name: str) -> SourceState:
        with self._lock:
            return self._sources.setdefault(name, SourceState(name))

    def client(self, key: str, build: Callable[[], Any]) -> Any:
        """One client per key (platform + host) per scan, built on first use."""
        with self._lock:
            if key not in self._clients:
                self._clients[key] = build()
            return self._clients[key]


_active: RemoteContext | None = None
_default: RemoteContext | None = None
_active_lock = threading.Lock()


def current() -> RemoteContext:
    """The active scan's context, else a process-wide default one."""
    global _default
    if _active is not None:
        return _active
    with _active_lock:
        if _default is None:
            _default = RemoteContext(RemoteSettings())
        return _default


@contextmanager
def activate(context: RemoteContext) -> Iterator[RemoteContext]:
    global _active
    with _active_lock:
        previous, _active = _active, context
    try:
        yield context
    finally:
        with _active_lock:
            _active = previous


@contextmanager
def scan_context(store: Any, settings: RemoteSettings | None) -> Iterator[RemoteContext]:
    """A fresh context whose HTTP validators live in ``store``; usage is recorded on exit."""
    from scanner.remote.cache import SqlCache

    context = RemoteContext(settings or RemoteSettings(), SqlCache(store))
    with activate(context):
        yield context
