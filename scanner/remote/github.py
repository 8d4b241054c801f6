"""GitHub through PyGithub, with every request going through our caching, counting adapter.

PyGithub does authentication (a token, or a GitHub App's installation token it renews), URL
building for GitHub Enterprise, JSON and GraphQL. Its transport is a ``requests`` session per
connection; we give the ``Requester`` a connection class that mounts :class:`CachingAdapter`
on that session, using PyGithub's public ``injectConnectionClasses`` hook for the moment the
client is built (the class is captured per requester, so other PyGithub users are unaffected).
PyGithub's own retry and throttling are switched off: the adapter does both, observably.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from typing import Any
from urllib.parse import urlsplit

import github
import requests
from github import Auth, GithubException
from github.Requester import (
    HTTPRequestsConnectionClass,
    HTTPSRequestsConnectionClass,
    Requester,
)

from scanner.remote.archive import ArchiveError, Unpacked, unpack_tarball
from scanner.remote.context import GITHUB_API, GitHubSettings, RemoteContext
from scanner.remote.http import CachingAdapter, RateLimitExhausted, RemoteError, identity_of

_INJECT_LOCK = threading.Lock()
MAX_ARCHIVE_BYTES = 256 << 20


def source_name(settings: GitHubSettings) -> str:
    if settings.base_url.rstrip("/") == GITHUB_API:
        return "github"
    return f"github:{urlsplit(settings.base_url).netloc}"


def client(context: RemoteContext) -> GitHubClient:
    """The scan's GitHub client (one per context)."""
    return context.client("github", lambda: GitHubClient(context))  # type: ignore[no-any-return]


class GitHubClient:
    def __init__(self, context: RemoteContext) -> None:
        settings = context.settings.github
        self.settings = settings
        self.source = source_name(settings)
        auth, identity = _auth(settings)
        self.adapter = CachingAdapter(
            source=context.source(self.source),
            identity=identity,
            cache=context.cache,
            usage=context.usage,
            policy=context.settings.policy,
        )
        self.gh = _github(self.adapter, settings.base_url, auth, context.settings.policy.timeout)
        self.requester: Requester = self.gh.requester
        self.downloads = requests.Session()  # archive downloads: no credentials, not cached
        self.downloads.mount("https://", self.adapter)
        self.downloads.mount("http://", self.adapter)
        self._memo: dict[str, Any] = {}
        self._memo_lock = threading.Lock()

    # --- REST ---------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.settings.base_url.rstrip('/')}{path}"

    def get(self, path: str, needs: str, params: dict[str, Any] | None = None) -> Any:
        """GET one JSON resource (conditional; memoised for the scan). Raises RemoteError."""
        return self._get(path, needs, params)[1]

    def get_pages(
        self,
        path: str,
        needs: str,
        params: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        max_pages: int = 5,
        more: Any = None,
    ) -> list[Any]:
        """Follow ``Link: rel="next"`` up to ``max_pages``; ``more(page)`` may stop early."""
        items: list[Any] = []
        url: str | None = path
        query = params
        for _ in range(max_pages):
            if url is None:
                break
            headers, data = self._get(url, needs, query)
            page = data.get(key, []) if key and isinstance(data, dict) else data
            items += page or []
            if more is not None and not more(page):
                break
            url = _next_link(headers.get("link", ""))
            query = None  # the next link carries the query
        return items

    def _get(self, path: str, needs: str, params: dict[str, Any] | None) -> tuple[Any, Any]:
        memo_key = f"{path}?{sorted((params or {}).items())}"
        with self._memo_lock:
            if memo_key in self._memo:
                return self._memo[memo_key]  # type: ignore[no-any-return]
        try:
            result = self.requester.requestJsonAndCheck("GET", path, parameters=params)
        except GithubException as exc:
            raise _remote_error(exc, needs, self.url(path)) from None
        with self._memo_lock:
            self._memo[memo_key] = result
        return result

    def graphql(self, query: str, variables: dict[str, Any], needs: str) -> Any:
        try:
            _, data = self.requester.graphql_query(query, variables)
        except GithubException as exc:
            raise _remote_error(exc, needs, self.requester.graphql_url) from None
        return data.get("data", {})

    # --- the default branch and its tree -----------------------------------------------------

    def repo(self, full_name: str) -> dict[str, Any]:
        return self.get(f"/repos/{full_name}", "metadata:read")  # type: ignore[no-any-return]

    def head(self, full_name: str) -> tuple[str, str]:
        """(default branch, its head commit SHA), both by conditional requests."""
        branch = self.repo(full_name).get("default_branch") or "main"
        data = self.get(f"/repos/{full_name}/branches/{branch}", "contents:read")
        return branch, data["commit"]["sha"]

    def download_tree(self, full_name: str, sha: str) -> tuple[str, Unpacked]:
        """Download the tarball of ``sha`` once and unpack it into a new temporary folder."""
        try:
            headers, _ = self.requester.requestJsonAndCheck(
                "GET", f"/repos/{full_name}/tarball/{sha}"
            )
            location = headers["location"]
        except GithubException as exc:
            raise _remote_error(exc, "contents:read", self.url(f"/repos/{full_name}")) from None
        dest = tempfile.mkdtemp(prefix="fundamentals-gh-")
        try:
            with self.downloads.get(location, stream=True, timeout=120) as response:
                if response.status_code != 200:
                    raise RemoteError(
                        f"archive download answered {response.status_code}",
                        status=response.status_code,
                    )
                raw = response.raw
                raw.decode_content = True
                return dest, unpack_tarball(_Capped(raw, MAX_ARCHIVE_BYTES), dest)  # type: ignore[arg-type]
        except ArchiveError as exc:
            _remove(dest)
            raise RemoteError(str(exc)) from None
        except BaseException:
            _remove(dest)
            raise


# --- construction -----------------------------------------------------------------------------


def _auth(settings: GitHubSettings) -> tuple[Auth.Auth | None, str]:
    if settings.app_id:
        if not settings.private_key_file or settings.installation_id is None:
            raise RemoteError("GitHub App needs private_key_file and installation_id")
        try:
            with open(settings.private_key_file, encoding="utf-8") as handle:
                key = handle.read()
        except OSError as exc:
            raise RemoteError(f"cannot read the GitHub App private key: {exc.strerror}") from None
        app = Auth.AppAuth(settings.app_id, key)
        identity = identity_of("app", settings.app_id, str(settings.installation_id))
        return app.get_installation_auth(settings.installation_id), identity
    token = os.environ.get(settings.token_env, "")
    if token:
        return Auth.Token(token), identity_of("token", hashlib.sha256(token.encode()).hexdigest())
    return None, identity_of("anonymous")


def _github(
    adapter: CachingAdapter, base_url: str, auth: Auth.Auth | None, timeout: float
) -> github.Github:
    class Https(HTTPSRequestsConnectionClass):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.session.mount("https://", adapter)

    class Http(HTTPRequestsConnectionClass):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.session.mount("http://", adapter)

    with _INJECT_LOCK:
        Requester.injectConnectionClasses(Http, Https)
        try:
            return github.Github(
                auth=auth,
                base_url=base_url.rstrip("/"),
                timeout=int(timeout),
                retry=None,  # the adapter retries, and counts the retries
                per_page=100,
                seconds_between_requests=None,
                seconds_between_writes=None,
            )
        finally:
            Requester.resetConnectionClasses()


# --- errors -----------------------------------------------------------------------------------


def _remote_error(exc: GithubException, needs: str, url: str) -> RemoteError:
    status = exc.status
    message = ""
    if isinstance(exc.data, dict):
        message = str(exc.data.get("message", ""))
    return RemoteError(reason_for(status, message, needs), status=status, url=url)


def reason_for(status: int, message: str, needs: str) -> str:
    """The one-line reason a fact is unknown, naming the permission that would reveal it."""
    said = f": {message}" if message else ""
    if status == 401:
        return f"GitHub rejected the credentials (401){said}"
    if status == 403:
        return f"token lacks {needs} (403{said})"
    if status == 404:
        return f"not found, or the token lacks {needs} (404{said})"
    if status >= 500:
        return f"GitHub answered {status} after retries"
    return f"GitHub answered {status}{said}"


def _next_link(header: str) -> str | None:
    for link in requests.utils.parse_header_links(header) if header else []:
        if link.get("rel") == "next":
            return link.get("url")
    return None


class _Capped:
    """A read-only stream that refuses to yield more than ``limit`` bytes (download bombs)."""

    def __init__(self, raw: Any, limit: int) -> None:
        self.raw = raw
        self.left = limit

    def read(self, size: int = -1) -> bytes:
        chunk: bytes = self.raw.read(size if size and size > 0 else 1 << 16)
        self.left -= len(chunk)
        if self.left < 0:
            raise ArchiveError("the archive is larger than the download limit")
        return chunk


def _remove(path: str) -> None:
    from scanner.remote.archive import remove_tree

    remove_tree(path)


__all__ = ["GitHubClient", "RateLimitExhausted", "RemoteError", "client", "reason_for"]
