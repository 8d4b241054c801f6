"""The HTTP transport every remote source uses: conditional GETs, honest accounting, rate limits.

``CachingAdapter`` is a ``requests`` transport adapter. Mounted on a session (ours for Azure
DevOps, PyGithub's for GitHub), it

- sends ``If-None-Match`` / ``If-Modified-Since`` with the validators stored for a GET, and turns
  a ``304 Not Modified`` into the stored ``200`` — so clients never notice, and the call is free
  against GitHub's quota;
- retries 5xx, connection resets and timeouts with bounded exponential backoff;
- honours ``Retry-After`` (secondary limits: ``403``/``429``) and ``X-RateLimit-Reset`` (primary
  quota). A wait longer than ``max_wait`` is not waited for: the source is marked exhausted until
  the reset and every further request to it raises :class:`RateLimitExhausted` at once, so the
  scan stops starting new work there and finishes everything else;
- counts every request per source in a :class:`Usage`.

Sleeping goes through ``Policy.sleep`` so tests can record waits instead of spending them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from scanner.meter import count_call

log = logging.getLogger(__name__)

_SECRET_QUERY = re.compile(r"([?&](?:token|access_token|sig|code)=)[^&\s\"']+", re.IGNORECASE)


class RedactQuerySecrets(logging.Filter):
    """urllib3 logs request URLs at DEBUG; archive links carry a short-lived token in them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = _SECRET_QUERY.sub(r"\1<redacted>", str(record.msg))
        return True


logging.getLogger("urllib3.connectionpool").addFilter(RedactQuerySecrets())

MAX_CACHED_BODY = 4 << 20  # bodies above this are not kept; the next GET is unconditional
KEPT_HEADERS = ("content-type", "link", "etag", "last-modified")


class RemoteError(Exception):
    """A remote source could not answer. ``reason`` is the one line recorded as unknown."""

    def __init__(self, reason: str, *, status: int | None = None, url: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.url = url


class RateLimitExhausted(RemoteError):
    """The source's quota is spent until ``until``; no further request is sent before then."""

    def __init__(self, source: str, until: datetime) -> None:
        when = until.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        super().__init__(f"deferred: {source} rate limit exhausted until {when}")
        self.until = until


# --- accounting -------------------------------------------------------------------------------


@dataclass
class SourceUsage:
    calls: int = 0
    not_modified: int = 0
    retries: int = 0
    rate_limited: int = 0

    @property
    def spent(self) -> int:
        """Calls that cost quota: everything but the 304s."""
        return self.calls - self.not_modified


class Usage:
    """API calls per source, thread-safe. One per scan."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sources: dict[str, SourceUsage] = {}

    def add(self, source: str, **counts: int) -> None:
        with self._lock:
            entry = self.sources.setdefault(source, SourceUsage())
            for name, value in counts.items():
                setattr(entry, name, getattr(entry, name) + value)

    def get(self, source: str) -> SourceUsage:
        with self._lock:
            return self.sources.get(source, SourceUsage())

    def totals(self) -> dict[str, SourceUsage]:
        with self._lock:
            return {k: SourceUsage(**vars(v)) for k, v in sorted(self.sources.items())}


# --- the cache of validators ------------------------------------------------------------------


@dataclass(frozen=True)
class CachedResponse:
    url: str
    etag: str | None
    last_modified: str | None
    headers: dict[str, str]
    body: str


class HttpCache(Protocol):
    """Where validators and bodies live between scans (``scanner.remote.cache.SqlCache``)."""

    def get(self, key: str) -> CachedResponse | None: ...

    def put(self, key: str, entry: CachedResponse) -> None: ...


class MemoryCache:
    """A cache for one process (a scan with no database, tests)."""

    def __init__(self) -> None:
        self._entries: dict[str, CachedResponse] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: str, entry: CachedResponse) -> None:
        with self._lock:
            self._entries[key] = entry


def cache_key(identity: str, method: str, url: str) -> str:
    return hashlib.sha256(f"{identity}\n{method}\n{url}".encode()).hexdigest()


def identity_of(*parts: str) -> str:
    """A stable digest naming who asks (e.g. a token's hash): never the credential itself."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


# --- retry and rate-limit policy --------------------------------------------------------------


@dataclass
class Policy:
    """How hard to try. ``sleep`` and ``clock`` are injectable so tests never wait."""

    attempts: int = 4  # 1 try + 3 retries for 5xx, resets and timeouts
    backoff: float = 1.0  # seconds, doubled each retry, with jitter
    max_backoff: float = 30.0
    max_wait: float = 60.0  # longest Retry-After / reset we wait for; longer = exhausted
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time


@dataclass
class SourceState:
    """What we know about one source's quota, shared by every client of it in the process."""

    name: str
    exhausted_until: float | None = None
    remaining: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class CachingAdapter(HTTPAdapter):
    """See the module docstring. One adapter per (source, identity)."""

    def __init__(
        self,
        *,
        source: SourceState,
        identity: str,
        cache: HttpCache,
        usage: Usage,
        policy: Policy,
        pool_size: int = 10,
    ) -> None:
        super().__init__(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
        self.state = source
        self.identity = identity
        self.cache = cache
        self.usage = usage
        self.policy = policy

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        url = request.url or ""
        cacheable = request.method == "GET" and not kwargs.get("stream")
        key = cache_key(self.identity, "GET", url) if cacheable else ""
        cached = self.cache.get(key) if cacheable else None
        if cached is not None:
            if cached.etag:
                request.headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                request.headers["If-Modified-Since"] = cached.last_modified
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.policy.timeout
        response = self._send_with_retries(request, kwargs)
        if response.status_code == 304 and cached is not None:
            self.usage.add(self.state.name, not_modified=1)
            return _from_cache(request, cached, response)
        if cacheable and response.status_code == 200:
            self._store(key, url, response)
        return response

    def _send_with_retries(
        self, request: requests.PreparedRequest, kwargs: dict[str, Any]
    ) -> requests.Response:
        attempt = 0
        while True:
            self._check_quota()
            attempt += 1
            self.usage.add(self.state.name, calls=1)
            try:
                response = super().send(request, **kwargs)
                if not kwargs.get("stream"):
                    response.content  # noqa: B018 - a reset mid-body is retried like any other
            except requests.RequestException as exc:
                if attempt >= self.policy.attempts:
                    raise RemoteError(
                        f"{_host(request)} did not answer after {attempt} attempts: "
                        f"{type(exc).__name__}",
                        url=request.url or "",
                    ) from None
                self._retry_pause(attempt)
                continue
            self._observe_quota(response)
            # And the scan's per-service accounting (service_scan.api_calls).
            count_call(self.state.name, free=response.status_code == 304)
            wait = self._rate_limit_wait(response)
            if wait is not None:
                response.content  # noqa: B018 - read, so the connection returns to the pool
                self.usage.add(self.state.name, rate_limited=1)
                if wait > self.policy.max_wait or attempt >= self.policy.attempts + 2:
                    until = self.policy.clock() + wait
                    with self.state.lock:
                        self.state.exhausted_until = max(self.state.exhausted_until or 0, until)
                    raise RateLimitExhausted(self.state.name, datetime.fromtimestamp(until, UTC))
                log.info("%s: rate limited, waiting %.0fs", self.state.name, wait)
                self.policy.sleep(wait)
                continue
            if response.status_code >= 500 and attempt < self.policy.attempts:
                response.content  # noqa: B018
                self._retry_pause(attempt)
                continue
            return response

    def _retry_pause(self, attempt: int) -> None:
        self.usage.add(self.state.name, retries=1)
        delay = min(self.policy.max_backoff, self.policy.backoff * 2 ** (attempt - 1))
        self.policy.sleep(delay * (0.5 + random.random() / 2))

    def _check_quota(self) -> None:
        with self.state.lock:
            until = self.state.exhausted_until
            if until is not None and until <= self.policy.clock():
                self.state.exhausted_until = until = None
        if until is not None:
            self.usage.add(self.state.name, rate_limited=1)
            raise RateLimitExhausted(self.state.name, datetime.fromtimestamp(until, UTC))

    def _observe_quota(self, response: requests.Response) -> None:
        remaining = response.headers.get("X-RateLimit-Remaining")
        if remaining is not None and remaining.isdigit():
            with self.state.lock:
                self.state.remaining = int(remaining)

    def _rate_limit_wait(self, response: requests.Response) -> float | None:
        """Seconds to wait before asking again, or None when this is not a rate-limit answer."""
        if response.status_code not in (403, 429):
            return None
        retry_after = response.headers.get("Retry-After")
        if retry_after:
            return _seconds_until(retry_after, self.policy.clock())
        if response.headers.get("X-RateLimit-Remaining") == "0":
            reset = response.headers.get("X-RateLimit-Reset", "")
            if reset.isdigit():
                return max(0.0, float(reset) - self.policy.clock()) + 1.0
            return self.policy.max_wait + 1  # no reset given: treat as exhausted
        if response.status_code == 429:
            return 60.0  # "too many requests" with no hint: one minute, as GitHub advises
        return None

    def _store(self, key: str, url: str, response: requests.Response) -> None:
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if not etag and not last_modified:
            return
        content = response.content
        if len(content) > MAX_CACHED_BODY:
            return
        try:
            body = content.decode(response.encoding or "utf-8")
        except (UnicodeDecodeError, LookupError):
            return
        headers = {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers}
        try:
            self.cache.put(key, CachedResponse(url, etag, last_modified, headers, body))
        except Exception as exc:  # a cache that cannot be written costs quota, not correctness
            log.warning("cannot store HTTP validators for %s: %s", url, exc)


def _from_cache(
    request: requests.PreparedRequest, cached: CachedResponse, fresh: requests.Response
) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.reason = "OK"
    response.url = request.url or cached.url
    response.request = request
    response.encoding = "utf-8"
    headers = CaseInsensitiveDict(cached.headers)
    for name, value in fresh.headers.items():  # rate-limit headers and dates are the fresh ones
        if name.lower() not in KEPT_HEADERS and name.lower() != "content-length":
            headers[name] = value
    response.headers = headers
    response._content = cached.body.encode("utf-8")
    response.from_cache = True  # type: ignore[attr-defined]
    return response


def _seconds_until(retry_after: str, now: float) -> float:
    if retry_after.strip().isdigit():
        return float(retry_after.strip())
    try:
        return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
    except (TypeError, ValueError):
        return 60.0


def _host(request: requests.PreparedRequest) -> str:
    from urllib.parse import urlsplit

    return urlsplit(request.url or "").netloc or "the server"


def json_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        return None
