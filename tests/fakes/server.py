"""A small threaded HTTP server on 127.0.0.1 for fake platform APIs, with fault injection.

Subclasses implement ``route(request) -> Reply``. The base handles what every REST API here
shares: ETags and ``If-None-Match`` → 304, an optional primary quota with rate-limit headers,
added latency, and injected faults (500, 502, connection reset, slow, 403 secondary limit with
``Retry-After``, 403/404 for a missing permission). Importable by benchmarks.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-serialisable, or bytes
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # give an ETag and answer If-None-Match with 304
    free: bool = False  # never counts against the quota (downloads, /rate_limit)


@dataclass
class Fault:
    pattern: re.Pattern[str]
    kind: str  # 500 | 502 | reset | slow | secondary | forbidden | not_found
    times: int
    seconds: float = 0.0
    message: str = ""


class FakeApi:
    """Routes + quota + faults. ``serve()`` runs it on a free port."""

    def __init__(self, *, latency: float = 0.0, quota: int | None = None) -> None:
        self.latency = latency
        self.quota = quota  # None: unlimited
        self.quota_limit = quota or 5000
        self.reset_at = int(time.time()) + 3600
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, int]] = []  # (method, path?query, status)
        self.lock = threading.Lock()
        self.base_url = ""

    # --- configuration ----------------------------------------------------------------------

    def fail(self, pattern: str, kind: str, times: int = 1, **options: Any) -> None:
        """Make the next ``times`` requests whose path matches ``pattern`` fail as ``kind``."""
        self.faults.append(Fault(re.compile(pattern), kind, times, **options))

    def counted(self) -> int:
        """Requests that cost quota (not 304s, not free downloads)."""
        return sum(1 for _, _, status in self.log if status != 304)

    # --- to implement -----------------------------------------------------------------------

    def route(self, request: Request) -> Reply:
        raise NotImplementedError

    # --- request handling -------------------------------------------------------------------

    def handle(self, request: Request) -> tuple[int, dict[str, str], bytes] | None:
        """(status, headers, body), or None to reset the connection."""
        if self.latency:
            time.sleep(self.latency)
        fault = self._take_fault(request.path)
        if fault is not None:
            return self._fault(fault)
        reply = self.route(request)
        headers = dict(reply.headers)
        if isinstance(reply.body, bytes):
            body = reply.body
        elif reply.body is None:
            body = b""
        else:
            body = json.dumps(reply.body).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        status = reply.status
        if status == 200 and reply.etag and request.method == "GET":
            etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
            headers["ETag"] = etag
            if request.headers.get("if-none-match") == etag:
                headers.update(self._quota_headers())
                return 304, headers, b""
        if not reply.free and self.quota is not None:
            with self.lock:
                if self.quota <= 0:
                    return self._exhausted()
                self.quota -= 1
        headers.update(self._quota_headers())
        return status, headers, body

    def _take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.pattern.search(path):
                    fault.times -= 1
                    return fault
        return None

    def _fault(self, fault: Fault) -> tuple[int, dict[str, str], bytes] | None:
        json_type = {"Content-Type": "application/json; charset=utf-8"}
        if fault.kind in ("500", "502"):
            return int(fault.kind), json_type, b'{"message": "Server Error"}'
        if fault.kind == "reset":
            return None
        if fault.kind == "slow":
            time.sleep(fault.seconds)
            return 504, json_type, b'{"message": "took too long"}'
        if fault.kind == "secondary":
            message = "You have exceeded a secondary rate limit. Please wait a few minutes."
            headers = {**json_type, "Retry-After": str(int(fault.seconds or 1))}
            return 403, headers, json.dumps({"message": message}).encode()
        if fault.kind == "forbidden":
            body = {"message": fault.message or "Resource not accessible by personal access token"}
            return 403, json_type, json.dumps(body).encode()
        if fault.kind == "not_found":
            return 404, json_type, json.dumps({"message": fault.message or "Not Found"}).encode()
        raise ValueError(fault.kind)

    def _exhausted(self) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/json; charset=utf-8", **self._quota_headers()}
        body = {"message": "API rate limit exceeded for user ID 1."}
        return 403, headers, json.dumps(body).encode()

    def _quota_headers(self) -> dict[str, str]:
        remaining = self.quota if self.quota is not None else self.quota_limit
        return {
            "X-RateLimit-Limit": str(self.quota_limit),
            "X-RateLimit-Remaining": str(max(0, remaining)),
            "X-RateLimit-Reset": str(self.reset_at),
            "X-RateLimit-Resource": "core",
        }


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            self.command,
            parts.path,
            {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        api = self.server.api
        if parts.path == "/__ready":
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        answer = api.handle(request)
        with api.lock:
            status_logged = answer[0] if answer else 0
            api.log.append((self.command, self.path, status_logged))
        if answer is None:  # connection reset: RST instead of an answer
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        status, headers, payload = answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeApi


@contextmanager
def serve(api: FakeApi) -> Iterator[FakeApi]:
    """Run ``api`` on a free port of 127.0.0.1 until the block ends; waits until it answers."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.api = api
    api.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        wait_until_ready(api.base_url + "/__ready")
        yield api
    finally:
        server.shutdown()
        server.server_close()


def wait_until_ready(url: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=0.5)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
