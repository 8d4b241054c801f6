"""Our Azure DevOps REST client: a ``requests`` session over the caching, counting adapter.

Authentication is a personal access token from ``pat_env`` (HTTP basic, empty user), else an
azure-identity token for Azure DevOps (``DefaultAzureCredential``), else anonymous (public
projects). Azure DevOps answers a rejected credential with a ``203`` sign-in page, not a 401;
that is recognised and reported as such.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import tempfile
import threading
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from scanner.remote.archive import ArchiveError, Unpacked, unpack_zip
from scanner.remote.context import AZURE_DEVOPS, AzureDevOpsSettings, RemoteContext
from scanner.remote.http import CachingAdapter, RemoteError, identity_of

API_VERSION = "7.1"
PREVIEW = "7.1-preview.1"
AZURE_DEVOPS_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"
MAX_ARCHIVE_BYTES = 256 << 20


def source_name(settings: AzureDevOpsSettings) -> str:
    if settings.base_url.rstrip("/") == AZURE_DEVOPS:
        return "azure-devops"
    return f"azure-devops:{urlsplit(settings.base_url).netloc}"


def client(context: RemoteContext) -> AzureDevOpsClient:
    return context.client("azure-devops", lambda: AzureDevOpsClient(context))  # type: ignore[no-any-return]


class AzureDevOpsClient:
    def __init__(self, context: RemoteContext) -> None:
        settings = context.settings.azure_devops
        self.base_url = settings.base_url.rstrip("/")
        self.source = source_name(settings)
        self._settings = settings
        self.identity_problem = ""
        header, identity = self._auth()
        self.session = requests.Session()
        self.session.trust_env = False  # never pick up a stray .netrc credential
        self.session.headers["Accept"] = "application/json"
        if header:
            self.session.headers["Authorization"] = header
        adapter = CachingAdapter(
            source=context.source(self.source),
            identity=identity,
            cache=context.cache,
            usage=context.usage,
            policy=context.settings.policy,
        )
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.timeout = context.settings.policy.timeout
        self._memo: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _auth(self) -> tuple[str | None, str]:
        pat = os.environ.get(self._settings.pat_env, "")
        if pat:
            encoded = base64.b64encode(f":{pat}".encode()).decode()
            return f"Basic {encoded}", identity_of("pat", hashlib.sha256(pat.encode()).hexdigest())
        if self._settings.use_azure_identity:
            try:
                from azure.identity import DefaultAzureCredential

                credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)
                token = credential.get_token(AZURE_DEVOPS_SCOPE)
            except Exception as exc:  # no identity available: try anonymously (public projects)
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                self.identity_problem = f"no Azure DevOps credential ({first[:200]})"
                return None, identity_of("anonymous")
            return f"Bearer {token.token}", identity_of("entra", _subject_of(token.token))
        return None, identity_of("anonymous")

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def get(self, path: str, needs: str, params: dict[str, Any] | None = None) -> Any:
        """GET one JSON resource (conditional; memoised for the scan). Raises RemoteError."""
        query = {"api-version": API_VERSION, **(params or {})}
        key = f"{path}?{sorted(query.items())}"
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        url = self.url(path)
        response = self.session.get(url, params=query, timeout=self.timeout, allow_redirects=False)
        data = _json_or_error(response, needs, url)
        with self._lock:
            self._memo[key] = data
        return data

    # --- repository -------------------------------------------------------------------------

    @staticmethod
    def split(location: str) -> tuple[str, str, str]:
        org, project, repo = location.split("/", 2)
        return org, project, repo

    def repo_path(self, location: str) -> str:
        org, project, repo = self.split(location)
        return f"{quote(org)}/{quote(project)}/_apis/git/repositories/{quote(repo)}"

    def repository(self, location: str) -> dict[str, Any]:
        return self.get(self.repo_path(location), "Code (Read)")  # type: ignore[no-any-return]

    def head(self, location: str) -> tuple[str, str]:
        ref = self.repository(location).get("defaultBranch") or "refs/heads/main"
        data = self.get(
            f"{self.repo_path(location)}/refs", "Code (Read)", {"filter": ref.removeprefix("refs/")}
        )
        for item in data.get("value", []):
            if item.get("name") == ref:
                return ref, item["objectId"]
        raise RemoteError(
            f"the default branch {ref} was not found", url=self.url(self.repo_path(location))
        )

    def download_tree(self, location: str, sha: str) -> tuple[str, Unpacked]:
        url = self.url(f"{self.repo_path(location)}/items")
        params = {
            "path": "/",
            "versionDescriptor.version": sha,
            "versionDescriptor.versionType": "commit",
            "$format": "zip",
            "download": "true",
            "recursionLevel": "full",
            "api-version": API_VERSION,
        }
        dest = tempfile.mkdtemp(prefix="fundamentals-ado-")
        handle, archive = tempfile.mkstemp(suffix=".zip")
        try:
            with self.session.get(url, params=params, stream=True, timeout=120) as response:
                if response.status_code != 200:
                    _json_or_error(response, "Code (Read)", url)
                    raise RemoteError(f"archive download answered {response.status_code}")
                written = 0
                with os.fdopen(handle, "wb") as out:
                    for chunk in response.iter_content(1 << 16):
                        written += len(chunk)
                        if written > MAX_ARCHIVE_BYTES:
                            raise RemoteError("the archive is larger than the download limit")
                        out.write(chunk)
            return dest, unpack_zip(archive, dest)
        except ArchiveError as exc:
            _cleanup(dest)
            raise RemoteError(str(exc)) from None
        except BaseException:
            _cleanup(dest)
            raise
        finally:
            with contextlib.suppress(OSError):
                os.unlink(archive)


def _json_or_error(response: requests.Response, needs: str, url: str) -> Any:
    status = response.status_code
    if status == 203 or "text/html" in response.headers.get("content-type", ""):
        raise RemoteError(
            "Azure DevOps did not accept the credentials (sign-in page)", status=status, url=url
        )
    if status >= 400:
        message = ""
        with contextlib.suppress(ValueError, AttributeError):
            message = str(response.json().get("message", ""))[:300]
        said = f": {message}" if message else ""
        if status == 401:
            reason = f"Azure DevOps rejected the credentials (401){said}"
        elif status == 403:
            reason = f"PAT lacks {needs} (403{said})"
        elif status == 404:
            reason = f"not found, or the PAT lacks {needs} (404{said})"
        elif status >= 500:
            reason = f"Azure DevOps answered {status} after retries"
        else:
            reason = f"Azure DevOps answered {status}{said}"
        raise RemoteError(reason, status=status, url=url)
    try:
        return response.json()
    except ValueError:
        raise RemoteError(
            "Azure DevOps answered something that is not JSON", status=status, url=url
        ) from None


def _subject_of(token: str) -> str:
    """The token's object id (from its unverified claims): who asks, stable across renewals."""
    import json

    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims.get("oid") or claims.get("sub") or "")
    except (IndexError, ValueError):
        return hashlib.sha256(token.encode()).hexdigest()


def _cleanup(path: str) -> None:
    from scanner.remote.archive import remove_tree

    remove_tree(path)
